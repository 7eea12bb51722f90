import * as vm from 'node:vm';

import type * as Acorn from 'acorn';
import type {
  AnyNode,
  Class,
  ImportAttribute,
  Literal,
  Options,
  Pattern,
  Program,
  VariableDeclaration,
} from 'acorn';
import type * as AcornWalk from 'acorn-walk';
import type { RecursiveVisitors, WalkerCallback } from 'acorn-walk';

import { lazyRequire } from '../lazy-require.js';
import type { ColumnMap } from '../protocol.js';
import { SourceEdits, columnMapOfEdits } from './source-edits.js';
import { SourceError } from './source-error.js';

/** What {@link transformTopLevel} made of the code. */
export interface TopLevelResult {
  /** The code, unchanged when no transform was needed. */
  readonly code: string;
  /** True when `code` is wrapped in an async arrow function whose promise resolves to `{ value }` or undefined. */
  readonly async: boolean;
  /** Where the columns of `code` differ from the input's, when they do. */
  readonly columns?: ColumnMap;
}

/** Parameter of the wrapper that holds `{ value }` of an `export default`. */
const DEFAULT_EXPORT = '__replSandboxDefault';

const PARSE_OPTIONS = {
  ecmaVersion: 'latest',
  allowAwaitOutsideFunction: true,
  allowReturnOutsideFunction: true,
} as const satisfies Options;

/**
 * Makes top-level `await`, `return`, `export` and static `import` runnable as
 * a `vm.Script`, following the Node REPL (lib/internal/repl/await.js).
 *
 * Code that needs none of them is returned unchanged — without parsing when it
 * does not even contain those words — so its completion value stays exact.
 * Code acorn cannot parse is returned unchanged, for V8 to report its own
 * error, unless V8's only complaint would be a top-level `await`, `return`,
 * `import` or `export` (which hides the actual mistake): then acorn's
 * SyntaxError is thrown as a {@link SourceError}.
 *
 * Otherwise the code is wrapped in `(async () => { ... })()`, on its first and
 * last lines:
 * - top-level `var`/`let`/`const`/`class` and `var` anywhere outside functions
 *   become assignments to names declared before the wrapper (`var` stays
 *   `var`, the others become `let`), and top-level functions are copied to
 *   `this.name`, so they are globals of the context after the run;
 * - the last statement (passing over empty statements, imports and
 *   `export { ... }`), when it is an expression statement, becomes
 *   `return { value: (expr) }`; `return x` becomes `return { value: (x) }`;
 *   `export default x` sets the value instead (and wins over the last
 *   expression); otherwise the promise resolves to undefined;
 * - `import ... from 's'` becomes an assignment from `await import('s')` on
 *   the import's own lines; `export` is dropped from declarations, and
 *   `export ... from 's'` only loads `s`.
 */
export function transformTopLevel(code: string): TopLevelResult {
  if (!code.includes('await') && !code.includes('return') && !code.includes('import') && !code.includes('export')) {
    return { code, async: false };
  }
  const parsed = parseProgram(code);
  if (!parsed.ok) {
    // V8 reports its own error (its words, its position) unless all it would say is that the
    // code awaits, returns, imports or exports at the top: that hides the actual mistake, so
    // acorn's is reported instead.
    if (parsed.error === undefined || !TOP_LEVEL_ONLY.test(v8SyntaxError(code) ?? '')) return { code, async: false };
    throw parsed.error;
  }
  const program = parsed.program;

  const state: WalkState = {
    source: code,
    program,
    edits: new SourceEdits(code),
    ancestors: [],
    varNames: new Set(),
    letNames: new Set(),
    prologue: [],
    needsWrapper: false,
    hasDefaultExport: false,
  };
  walk().recursive(program, state, visitors());
  return state.needsWrapper ? { ...wrap(state), async: true } : { code, async: false };
}

type Parsed = { readonly ok: true; readonly program: Program } | { readonly ok: false; readonly error: SourceError | undefined };

function parseProgram(code: string): Parsed {
  let error: unknown;
  try {
    return { ok: true, program: acorn().parse(code, { ...PARSE_OPTIONS, sourceType: 'script' }) };
  } catch (scriptError) {
    error = scriptError;
  }
  // Static import/export only parse as a module; its error is then the one that says what is wrong.
  if (code.includes('import') || code.includes('export')) {
    try {
      return { ok: true, program: acorn().parse(code, { ...PARSE_OPTIONS, sourceType: 'module' }) };
    } catch (moduleError) {
      error = moduleError;
    }
  }
  return { ok: false, error: toSourceError(error, code) };
}

/** acorn's SyntaxError ("Unexpected token (1:19)", `loc.column` 0-based) as a SourceError. */
function toSourceError(error: unknown, code: string): SourceError | undefined {
  const loc = (error as { loc?: { line?: unknown; column?: unknown } } | undefined)?.loc;
  if (!(error instanceof SyntaxError) || typeof loc?.line !== 'number' || typeof loc.column !== 'number') return undefined;
  return new SourceError(error.message.replace(/ \(\d+:\d+\)$/, ''), loc.line, loc.column + 1, code);
}

/** V8's complaints about what is only valid in a module or an async function body. */
const TOP_LEVEL_ONLY =
  /^(?:await is only valid in async functions|Unexpected reserved word$|Illegal return statement$|Cannot use import statement outside a module$|Unexpected token 'export'$|Cannot use 'import\.meta' outside a module$)/;

/** The message of V8's SyntaxError for the code as a script, or undefined when it compiles (compiled only, never run). */
function v8SyntaxError(code: string): string | undefined {
  try {
    new vm.Script(code);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

interface WalkState {
  readonly source: string;
  readonly program: Program;
  readonly edits: SourceEdits;
  /** Nodes from the program down to the node being visited (inclusive). */
  readonly ancestors: AnyNode[];
  /** Names to declare with `var` before the wrapper. */
  readonly varNames: Set<string>;
  /** Names to declare with `let` before the wrapper. */
  readonly letNames: Set<string>;
  /** Statements to run first inside the wrapper (after any directives). */
  readonly prologue: string[];
  needsWrapper: boolean;
  hasDefaultExport: boolean;
}

type Visitor = (node: AnyNode, state: WalkState, c: WalkerCallback<WalkState>) => void;

const acorn = lazyRequire<typeof Acorn>('acorn');
const walk = lazyRequire<typeof AcornWalk>('acorn-walk');
const base = (): Readonly<Record<string, Visitor>> => walk().base as unknown as Readonly<Record<string, Visitor>>;

/** Walks the children of `node` as acorn-walk would, without calling our visitor for `node` again. */
function descend(node: AnyNode, state: WalkState, c: WalkerCallback<WalkState>): void {
  base()[node.type]?.(node, state, c);
}

const skip = (): void => {};

const CUSTOM: RecursiveVisitors<WalkState> = {
  // Nested functions have their own await/return/var scope.
  FunctionExpression: skip,
  ArrowFunctionExpression: skip,

  FunctionDeclaration(node, state) {
    // Only declarations outside every function get here (function bodies are not walked).
    if (node.id === null) return;
    const { name } = node.id;
    state.varNames.add(name);
    // At the top: hoisted inside the wrapper, published as a global right away. In a block
    // (`if (await x) { function f() {} }`): published where the block runs, as the REPL does.
    if (isTopLevel(state)) state.prologue.push(`this.${name} = ${name};`);
    else state.edits.prepend(node.start, `this.${name} = ${name}; `);
  },

  ClassDeclaration(node, state, c) {
    const parent = state.ancestors.at(-2);
    if (node.id !== null && isTopLevel(state)) {
      const name = node.id.name;
      state.letNames.add(name);
      if (parent?.type === 'ExportDefaultDeclaration') {
        state.edits.prepend(node.start, `${name} = `);
      } else {
        // As an expression statement it needs its own semicolons against ASI.
        state.edits.prepend(node.start, `;${name} = `);
        state.edits.append(node.end, ';');
      }
    }
    walkClass(node, state, c);
  },

  ClassExpression(node, state, c) {
    walkClass(node, state, c);
  },

  AwaitExpression(node, state, c) {
    state.needsWrapper = true;
    descend(node, state, c);
  },

  ForOfStatement(node, state, c) {
    if (node.await) state.needsWrapper = true;
    descend(node, state, c);
  },

  ReturnStatement(node, state, c) {
    state.needsWrapper = true;
    if (node.argument) {
      state.edits.prepend(node.argument.start, '{ value: (');
      state.edits.append(node.argument.end, ') }');
    }
    descend(node, state, c);
  },

  VariableDeclaration(node, state, c) {
    const { kind } = node;
    if (kind === 'var' || ((kind === 'let' || kind === 'const') && isTopLevel(state))) {
      hoistDeclaration(node, kind, state);
    }
    descend(node, state, c);
  },

  ImportDeclaration(node, state) {
    state.needsWrapper = true;
    const load = importCall(node.source, node.attributes, state.source);
    let namespace: string | undefined;
    let defaultLocal: string | undefined;
    const named: string[] = [];
    for (const specifier of node.specifiers) {
      const local = specifier.local.name;
      state.letNames.add(local);
      if (specifier.type === 'ImportNamespaceSpecifier') {
        namespace = local;
      } else if (specifier.type === 'ImportDefaultSpecifier') {
        defaultLocal = local;
      } else {
        const { imported } = specifier;
        const key = imported.type === 'Identifier' ? imported.name : state.source.slice(imported.start, imported.end);
        named.push(key === local ? key : `${key}: ${local}`);
      }
    }
    let text: string;
    if (namespace !== undefined) {
      // `import d, * as ns from 's'` is the only form that mixes a namespace with another binding.
      const withDefault = defaultLocal === undefined ? '' : `, ${defaultLocal} = ${namespace}.default`;
      text = `;(${namespace} = ${load}${withDefault});`;
    } else if (defaultLocal !== undefined || named.length > 0) {
      if (defaultLocal !== undefined) named.unshift(`default: ${defaultLocal}`);
      text = `;({ ${named.join(', ')} } = ${load});`;
    } else {
      text = `;${load};`;
    }
    state.edits.replace(node.start, node.end, text);
  },

  ExportNamedDeclaration(node, state, c) {
    state.needsWrapper = true;
    if (node.declaration) {
      state.edits.blank(node.start, node.declaration.start);
      c(node.declaration, state);
    } else {
      // `export { a }` exports nothing here; `export { a } from 's'` still loads `s`.
      const text = node.source ? `;${importCall(node.source, node.attributes, state.source)};` : ';';
      state.edits.replace(node.start, node.end, text);
    }
  },

  ExportAllDeclaration(node, state) {
    state.needsWrapper = true;
    state.edits.replace(node.start, node.end, `;${importCall(node.source, node.attributes, state.source)};`);
  },

  ExportDefaultDeclaration(node, state, c) {
    state.needsWrapper = true;
    state.hasDefaultExport = true;
    const { declaration } = node;
    if (declaration.type === 'FunctionDeclaration' && declaration.id !== null) {
      // Stays a hoisted declaration: `export default function f` also declares `f`.
      state.edits.blank(node.start, declaration.start);
      state.prologue.push(`${DEFAULT_EXPORT} = { value: ${declaration.id.name} };`);
    } else {
      state.edits.replace(node.start, declaration.start, `;${DEFAULT_EXPORT} = { value: (`);
      state.edits.append(declaration.end, ') }');
      if (state.source.charCodeAt(node.end - 1) !== SEMICOLON) state.edits.append(node.end, ';');
    }
    c(declaration, state);
  },
};

const SEMICOLON = 0x3b;

let builtVisitors: RecursiveVisitors<WalkState> | undefined;

/** acorn-walk's visitors with ours swapped in, all keeping `state.ancestors` (as the Node REPL does); built on first use. */
const visitors = (): RecursiveVisitors<WalkState> => (builtVisitors ??= buildVisitors());

function buildVisitors(): RecursiveVisitors<WalkState> {
  const custom = CUSTOM as unknown as Readonly<Record<string, Visitor | undefined>>;
  const tracking: Record<string, Visitor> = {};
  for (const [type, baseVisitor] of Object.entries(base())) {
    const visitor = custom[type] ?? baseVisitor;
    tracking[type] = (node, state, c) => {
      // acorn-walk visits a node once per abstract type (Statement, then its own type).
      const isNew = node !== state.ancestors.at(-1);
      if (isNew) state.ancestors.push(node);
      visitor(node, state, c);
      if (isNew) state.ancestors.pop();
    };
  }
  return tracking;
}

/** True when the visited node is a statement of the program itself (or the declaration of an export). */
function isTopLevel(state: WalkState): boolean {
  const parent = state.ancestors.at(-2);
  return (
    parent === state.program ||
    parent?.type === 'ExportNamedDeclaration' ||
    parent?.type === 'ExportDefaultDeclaration'
  );
}

/** Class bodies are their own scope; only `extends` and computed keys can hold a top-level await. */
function walkClass(node: Class, state: WalkState, c: WalkerCallback<WalkState>): void {
  if (node.superClass) c(node.superClass, state);
  for (const element of node.body.body) {
    if (element.type !== 'StaticBlock' && element.computed) c(element.key, state);
  }
}

const STATEMENT_LISTS = new Set<AnyNode['type']>([
  'Program',
  'BlockStatement',
  'StaticBlock',
  'SwitchCase',
  'ExportNamedDeclaration',
]);

/**
 * Turns a declaration into an assignment to names declared before the
 * wrapper, keeping its columns: the keyword is overwritten in place
 * (`const x = 1;` → `;     x = 1;`, `let { a } = o` → `;(  { a } = o);`).
 */
function hoistDeclaration(node: VariableDeclaration, kind: 'var' | 'let' | 'const', state: WalkState): void {
  const names = kind === 'var' ? state.varNames : state.letNames;
  for (const declarator of node.declarations) collectBindingNames(declarator.id, names);

  const { edits } = state;
  const keywordEnd = node.start + kind.length;
  const parent = state.ancestors.at(-2);
  if ((parent?.type === 'ForInStatement' || parent?.type === 'ForOfStatement') && parent.left === node) {
    edits.blank(node.start, keywordEnd); // `for (var x of y)` → `for (    x of y)`
    return;
  }
  const isForInit = parent?.type === 'ForStatement' && parent.init === node;
  // `{` at the start of a statement would open a block.
  const needsParentheses = !isForInit && node.declarations[0]?.id.type === 'ObjectPattern';
  // A leading `;` stops the previous statement from swallowing a `(` or `[`
  // (ASI); it would end an `if (c) var x` body, so only in statement lists.
  const lead = parent !== undefined && STATEMENT_LISTS.has(parent.type) ? ';' : '';
  edits.replace(node.start, keywordEnd, `${lead}${needsParentheses ? '(' : ''}`.padEnd(kind.length));
  const lastDeclarator = node.declarations.at(-1);
  if (needsParentheses && lastDeclarator !== undefined) edits.append(lastDeclarator.end, ')');
  if (!isForInit && state.source.charCodeAt(node.end - 1) !== SEMICOLON) edits.append(node.end, ';');
}

function collectBindingNames(pattern: Pattern, names: Set<string>): void {
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        collectBindingNames(property.type === 'RestElement' ? property.argument : property.value, names);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) collectBindingNames(element, names);
      break;
    case 'AssignmentPattern':
      collectBindingNames(pattern.left, names);
      break;
    case 'RestElement':
      collectBindingNames(pattern.argument, names);
      break;
    case 'MemberExpression':
      break; // only in assignments, never in declarations
  }
}

function importCall(source: Literal, attributes: readonly ImportAttribute[], code: string): string {
  const specifier = code.slice(source.start, source.end);
  if (attributes.length === 0) return `await import(${specifier})`;
  const entries = attributes.map((attribute) => code.slice(attribute.start, attribute.end)).join(', ');
  return `await import(${specifier}, { with: { ${entries} } })`;
}

/**
 * Statements passed over when looking for the last one: they have no value
 * (a trailing `export {}` is a TypeScript idiom) — unlike declarations, which,
 * as in the Node REPL, end the code with an undefined value.
 */
const NO_COMPLETION = new Set<AnyNode['type']>(['EmptyStatement', 'ImportDeclaration', 'ExportAllDeclaration']);

function isExportList(statement: AnyNode): boolean {
  return statement.type === 'ExportNamedDeclaration' && !statement.declaration;
}

/** Adds the completion value, the prologue and the wrapper around the edited code. */
function wrap(state: WalkState): { code: string; columns: ColumnMap } {
  const { source, program, edits } = state;
  const statements = program.body;
  if (source.startsWith('#!')) edits.replace(0, 2, '//'); // a hashbang is only valid at offset 0

  if (!state.hasDefaultExport) {
    const last = statements.findLast((statement) => !NO_COMPLETION.has(statement.type) && !isExportList(statement));
    if (last?.type === 'ExpressionStatement') {
      // Boxed, so that a promise-valued expression is not awaited by the wrapper.
      edits.prepend(last.expression.start, '{ value: (');
      edits.prepend(last.start, 'return ');
      edits.append(last.expression.end, ') }');
    }
  }

  let head = '';
  if (state.prologue.length > 0) {
    const prologue = state.prologue.join(' ');
    // Directives ('use strict') must stay first in the wrapper's body.
    let lastDirective: AnyNode | undefined;
    for (const statement of statements) {
      if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) break;
      lastDirective = statement;
    }
    if (lastDirective) edits.append(lastDirective.end, `; ${prologue}`); // the directive may lack its `;`
    else head = `${prologue} `;
  }

  // The closer goes on the last statement's line, unless a comment follows it
  // (a line comment would swallow it).
  const end = statements.at(-1)?.end ?? 0;
  const closer = `${state.hasDefaultExport ? `; return ${DEFAULT_EXPORT};` : ''} })()`;
  if (/\S/.test(source.slice(end))) edits.append(source.length, `\n${closer}`);
  else edits.append(end, closer);

  const declarations =
    (state.varNames.size > 0 ? `var ${[...state.varNames].join(', ')}; ` : '') +
    (state.letNames.size > 0 ? `let ${[...state.letNames].join(', ')}; ` : '');
  const parameter = state.hasDefaultExport ? DEFAULT_EXPORT : '';
  const opener = `${declarations}(async (${parameter}) => { ${head}`;
  const { text, segments } = edits.apply();
  const code = opener + text;
  return { code, columns: columnMapOfEdits(source, code, segments, opener.length) };
}

