import { lazyRequire } from '../lazy-require.js';
import type { ColumnMap } from '../protocol.js';
import { SourceEdits, columnMapOfEdits } from './source-edits.js';

/** The slice of sucrase's parser this pass reads (sucrase ships it as `sucrase/dist/parser`). */
interface SucraseToken {
  readonly type: number;
  readonly start: number;
  readonly end: number;
  readonly contextId: number | null;
}
interface SucraseParser {
  parse(input: string, jsx: boolean, typescript: boolean, flow: boolean): { tokens: readonly SucraseToken[] };
}
interface SucraseTokenTypes {
  readonly TokenType: Readonly<Record<string, number>>;
}

const parser = lazyRequire<SucraseParser>('sucrase/dist/parser');
const tokenTypes = lazyRequire<SucraseTokenTypes>('sucrase/dist/parser/tokenizer/types');

/** The modifiers that make a constructor parameter a property (sucrase's and TypeScript's list). */
const PROPERTY_MODIFIERS = ['_public', '_private', '_protected', '_readonly', '_override'];

/**
 * Declares the fields of TypeScript parameter properties at the start of
 * their class body, as Node (and `tsc` with `useDefineForClassFields`, the
 * default for modern targets) does: `class A { y = 1; constructor(public x)
 * {} }` makes `A { x, y }`. sucrase only assigns `this.x = x` in the
 * constructor, after the class's own fields, which orders them `{ y, x }`.
 * The declarations go on the line of the class's `{`, so lines stay put.
 *
 * @returns the code with the declarations and its column map, or undefined
 *   when there are none to add (or the code does not parse: sucrase reports that).
 */
export function declareParameterProperties(code: string): { code: string; columns: ColumnMap } | undefined {
  if (!code.includes('constructor')) return undefined;
  let tokens: readonly SucraseToken[];
  try {
    tokens = parser().parse(code, false, true, false).tokens;
  } catch {
    return undefined;
  }
  const { TokenType: tt } = tokenTypes();
  const modifiers = new Set(PROPERTY_MODIFIERS.map((name) => tt[name]));
  const edits = new SourceEdits(code);
  let added = false;
  tokens.forEach((token, index) => {
    const open = tokens[index + 1];
    if (token.type !== tt.name || code.slice(token.start, token.end) !== 'constructor' || open?.type !== tt.parenL) return;
    const names = propertyNames(code, tokens, index + 1, modifiers, tt);
    const body = enclosingBrace(tokens, index, tt);
    if (names.length === 0 || body === undefined) return;
    edits.append(body.end, names.map((name) => `${name};`).join(''));
    added = true;
  });
  if (!added) return undefined;
  const { text, segments } = edits.apply();
  return { code: text, columns: columnMapOfEdits(code, text, segments) };
}

/** The names of the parameters after `(` at `open` that carry a property modifier (sucrase's `processConstructor`). */
function propertyNames(
  code: string,
  tokens: readonly SucraseToken[],
  open: number,
  modifiers: ReadonlySet<number | undefined>,
  tt: Readonly<Record<string, number>>,
): string[] {
  const context = tokens[open]?.contextId;
  const names: string[] = [];
  if (context === null || context === undefined) return names;
  for (let index = open; index < tokens.length; index++) {
    const token = tokens[index];
    if (token === undefined || (token.type === tt.parenR && token.contextId === context)) break;
    // `(` or `,` of this parameter list: a parameter starts after it.
    if (token.contextId !== context) continue;
    let next = index + 1;
    if (!modifiers.has(tokens[next]?.type)) continue;
    while (modifiers.has(tokens[next]?.type)) next++;
    const name = tokens[next];
    if (name !== undefined && name.type === tt.name) names.push(code.slice(name.start, name.end));
  }
  return names;
}

/** The innermost `{` around token `index` that is still open there: a constructor's class body. */
function enclosingBrace(
  tokens: readonly SucraseToken[],
  index: number,
  tt: Readonly<Record<string, number>>,
): SucraseToken | undefined {
  let depth = 0;
  for (let at = index - 1; at >= 0; at--) {
    const token = tokens[at];
    if (token === undefined) break;
    if (token.type === tt.braceR || token.type === tt.braceBarR) depth++;
    else if (token.type === tt.braceL || token.type === tt.braceBarL || token.type === tt.dollarBraceL) {
      if (depth === 0) return token.type === tt.braceL ? token : undefined;
      depth--;
    }
  }
  return undefined;
}
