/**
 * Host-side source preparation: turns what a caller (often a language model)
 * sends into JavaScript for `new vm.Script(code)`.
 *
 * @module
 */
import type { ColumnMap, ColumnMaps } from '../protocol.js';
import { extractFence } from './fence.js';
import { wrapObjectLiteral } from './object-literal.js';
import { transformTopLevel } from './top-level.js';
import { stripTypes } from './typescript.js';

export { SourceError } from './source-error.js';

/** Options of {@link prepareSource}. */
export interface PrepareOptions {
  /**
   * Language of the code. `'ts'` strips TypeScript types first. When
   * undefined, the tag of a markdown fence decides (`ts`, `typescript`, `mts`,
   * `cts` → `'ts'`), else `'js'`.
   */
  readonly language?: 'js' | 'ts' | undefined;
}

/** The result of {@link prepareSource}. */
export interface PreparedSource {
  /**
   * JavaScript for `new vm.Script(code, { filename })`. Line N of the user's
   * code (of the fenced code, when the input was a markdown fence) stays on
   * line N; columns may shift on the first line (where the wrapper opens) and
   * on lines the top-level transform rewrote — `columns` maps them back.
   */
  readonly code: string;
  /**
   * True when `code` was wrapped in an async function: the script's completion
   * value is then a Promise that resolves to `{ value: <last expression's value> }`,
   * or to `undefined` when there is no last expression value. When false, the
   * script's completion value is the result as-is (plain vm completion-value
   * semantics).
   */
  readonly async: boolean;
  /**
   * The language actually used: `'ts'` if `options.language` is `'ts'` or, when
   * `options.language` is undefined, if the markdown fence was tagged as TypeScript.
   */
  readonly language: 'js' | 'ts';
  /**
   * Present when a step moved columns: the steps' maps, from the code as run
   * back to the code as given (fenced code, before type stripping).
   */
  readonly columns?: ColumnMaps;
}

/**
 * Prepares a string of JavaScript or TypeScript for evaluation in a vm
 * context with REPL semantics: the script's completion value is the value of
 * the last expression.
 *
 * Accepted input, in the order the steps apply:
 *
 * 1. **Plain code**, or **markdown with exactly one fenced code block** and
 *    optional prose before and after it. A fence line is a line that starts,
 *    after at most 3 spaces, with three or more backticks (CommonMark; tilde
 *    fences are not recognised since `~~~x` is valid JS); the fence closes at a
 *    line of at least as many backticks and nothing else, or at the end of the
 *    input. Backticks inside a line (`` const s = '```' ``) never count. The
 *    fenced code runs verbatim and its line 1 is the first line inside the
 *    fence: positions in errors and stacks are relative to it. Tags: `js`,
 *    `javascript`, `mjs`, `cjs`, `node` (JavaScript), `ts`, `typescript`,
 *    `mts`, `cts` (TypeScript), or none; the tag is case-insensitive and only
 *    its first word counts. If the text before the first fence line holds an
 *    odd number of backticks, that line is inside a template literal and the
 *    input is taken as code.
 * 2. **TypeScript** (language `'ts'`): types are stripped as Node strips them
 *    (amaro, strip-only: whitespace in their place, every position kept,
 *    imports kept as written); `enum` and parameter properties, which that
 *    refuses, by sucrase (lines kept). A `namespace` block is rejected
 *    (sucrase would silently drop it); decorators are left for V8 to reject.
 * 3. **An object literal**: code that starts with `{`, does not end with `;`
 *    and parses as one expression in parentheses is evaluated so (the Node
 *    REPL's rule): `{ a: 1 }` is the object, `{a: 1}.a` is 1.
 * 4. **Top-level `await`** (and `for await`), **top-level `return`**,
 *    **`export`** and **static `import`**: the code is wrapped in an async
 *    function (then `async` is true) — top-level declarations still become
 *    globals of the context, `return x` and `export default x` give the value,
 *    `import x from 's'` becomes `await import('s')`. Other code, including
 *    code that awaits only inside nested functions, runs unchanged.
 *
 * Code with a JavaScript syntax error is returned unchanged so that V8
 * reports it with its real position.
 *
 * @param input - the code, or markdown holding it in one fence.
 * @param options - see {@link PrepareOptions}.
 * @throws SourceError for several fences, a fence tagged with another
 *   language, a TypeScript syntax error (with its line:column) or a
 *   TypeScript namespace, or a JavaScript syntax error in code that uses
 *   top-level `await`, `return`, `import` or `export` (V8 alone would name the
 *   `await` rather than the mistake).
 * @throws TypeError when `input` is not a string or `options.language` is not
 *   `'js'`, `'ts'` or undefined.
 */
export function prepareSource(input: string, options?: PrepareOptions): PreparedSource {
  if (typeof input !== 'string') throw new TypeError(`prepareSource: code must be a string, got ${typeof input}`);
  const requested = options?.language;
  if (requested !== undefined && requested !== 'js' && requested !== 'ts') {
    throw new TypeError(`prepareSource: language must be 'js' or 'ts', got ${String(requested)}`);
  }

  const fenced = extractFence(input);
  const language = requested ?? fenced.language ?? 'js';
  // Each step maps its columns back to its input; the chain runs from the code as run to the code as given.
  const stripped = language === 'ts' ? stripTypes(fenced.code) : { code: fenced.code, columns: [] };
  const literal = wrapObjectLiteral(stripped.code);
  const { code, async, columns: topLevel } = transformTopLevel(literal.code);
  const columns = [topLevel, literal.columns, ...stripped.columns].filter((map): map is ColumnMap => map !== undefined && map.length > 0);
  return columns.length === 0 ? { code, async, language } : { code, async, language, columns };
}

/**
 * Loads the parsers the preparation steps use on first need (amaro and
 * sucrase for TypeScript, acorn for top-level await, `return`, imports and object
 * literals; ~80 ms) and runs each step once, so that the first call with such
 * code does not pay for it. {@link Sandbox.warmup} calls this.
 */
export function warmPreparation(): void {
  prepareSource('const warm: number = await Promise.resolve(1); warm', { language: 'ts' });
  // What Node's stripper refuses goes to sucrase.
  prepareSource('enum Warm { A }', { language: 'ts' });
  prepareSource('{ warm: 1 }');
}
