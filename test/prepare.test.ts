import * as path from 'node:path';
import * as vm from 'node:vm';

import { describe, expect, it } from 'vitest';

import { mapStackColumns } from '../src/harness/stack.js';
import { prepareSource, SourceError, type PreparedSource } from '../src/prepare/index.js';

interface Evaluation {
  /** The last expression's value: the completion value, or `.value` of what an async wrapper resolved to. */
  readonly value: unknown;
  /** What an async wrapper resolved to (undefined for sync code). */
  readonly resolved: unknown;
  readonly prepared: PreparedSource;
  readonly context: vm.Context;
}

interface EvaluateOptions {
  readonly language?: 'js' | 'ts';
  /** Let the script use `import()` (prints an ExperimentalWarning once on Node 20). */
  readonly imports?: boolean;
}

/** Evaluates prepared code the way the sandbox does: a fresh context, and one await when async. */
async function evaluate(input: string, options: EvaluateOptions = {}): Promise<Evaluation> {
  const prepared = prepareSource(input, { language: options.language });
  const context = vm.createContext({});
  const script = new vm.Script(prepared.code, {
    filename: 'x',
    ...(options.imports ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const completion: unknown = script.runInContext(context);
  if (!prepared.async) return { value: completion, resolved: undefined, prepared, context };
  const resolved = await (completion as Promise<{ value: unknown } | undefined>);
  return { value: resolved?.value, resolved, prepared, context };
}

async function valueOf(input: string, options?: EvaluateOptions): Promise<unknown> {
  return (await evaluate(input, options)).value;
}

/** Runs more code in a context a previous evaluation used. */
function runIn(context: vm.Context, code: string): unknown {
  return new vm.Script(code).runInContext(context);
}

/** Expects the top frame of what `input` throws to point at the first `nope` in it, as written. */
async function expectNopeFrame(input: string, options?: EvaluateOptions): Promise<void> {
  const before = input.slice(0, input.indexOf('nope')).split('\n');
  const frame = (await stackOf(input, options)).split('\n').find((line) => line.startsWith('    at '));
  expect(frame).toMatch(new RegExp(`x:${before.length}:${(before.at(-1)?.length ?? 0) + 1}\\)?$`));
}

/** The stack of what evaluating `input` throws or rejects with, columns mapped back as the harness maps them. */
async function stackOf(input: string, options?: EvaluateOptions): Promise<string> {
  const { columns } = prepareSource(input, { language: options?.language });
  try {
    await evaluate(input, options);
  } catch (error) {
    return mapStackColumns((error as Error).stack ?? '', new Map(columns === undefined ? [] : [['x', columns]]));
  }
  throw new Error('expected the code to throw');
}

function sourceErrorOf(input: string, options?: { language?: 'js' | 'ts' }): SourceError {
  try {
    prepareSource(input, options);
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('prepareSource: plain code', () => {
  it('keeps an expression as-is', async () => {
    const { value, prepared } = await evaluate('1 + 1');
    expect(value).toBe(2);
    expect(prepared).toEqual({ code: '1 + 1', async: false, language: 'js' });
  });

  it('gives undefined for a final declaration', async () => {
    expect(await evaluate('let a = 1;')).toMatchObject({ value: undefined, prepared: { async: false } });
  });

  it('evaluates an object literal to the object, like the Node REPL', async () => {
    expect(await valueOf('{ a: 1 }')).toEqual({ a: 1 });
    expect(await valueOf('  {}\n')).toEqual({});
    expect(await valueOf('{ a: await Promise.resolve(1) }')).toEqual({ a: 1 });
  });

  it('follows the REPL: input that starts with { and does not end with ; is tried in parentheses', async () => {
    expect(await valueOf('{a: 1}.a')).toBe(1);
    expect(await valueOf('{} + []')).toBe('[object Object]');
    expect(await valueOf('{ a: 1 }.a + 1')).toBe(2);
    expect(prepareSource('{a: 1}.a').code).toBe('({a: 1}.a)');
    // Ends with ;, or does not parse as one expression in parentheses: as written.
    expect(prepareSource('{ a: 1 };').code).toBe('{ a: 1 };');
    expect(prepareSource('{ a: 1 } // note').code).toBe('{ a: 1 } // note');
    expect(prepareSource('{ a: 1 }\nfoo()').code).toBe('{ a: 1 }\nfoo()');
  });

  it('leaves a block that is not an object literal alone', async () => {
    expect(await valueOf('{ let a = 1; a + 1 }')).toBe(2);
    // A block holding the label `a:` and the statement `1`: its completion value, as in the REPL.
    expect(await valueOf('{ a: 1 };')).toBe(1);
  });

  it('does not parse code without await/return/import/export', () => {
    const code = 'const s = "a"; s.repeat(2)';
    expect(prepareSource(code).code).toBe(code);
  });
});

describe('prepareSource: top-level await', () => {
  it('awaits and keeps a const visible to later statements', async () => {
    const { value, prepared } = await evaluate('const x = await Promise.resolve(2); x + 1');
    expect(prepared.async).toBe(true);
    expect(value).toBe(3);
  });

  it('makes hoisted declarations globals of the context', async () => {
    const { context } = await evaluate(
      'var y = await 1\nconst c = 2\nfunction f() { return y + c }\nclass A { static n = 3 }\nlet u',
    );
    expect(context.y).toBe(1);
    expect(typeof context.f).toBe('function');
    expect(runIn(context, 'f() + A.n')).toBe(6);
    expect(runIn(context, 'typeof u')).toBe('undefined');
  });

  it('makes function declarations in blocks globals too, as the REPL does (not those inside functions)', async () => {
    const { context } = await evaluate('if (await true) { function foo() { return 1 } }\n{ function bar() { return 2 } }\nfunction outer() { function inner() {} }');
    expect(runIn(context, '(0, eval)("foo")() + bar()')).toBe(3);
    expect(runIn(context, 'typeof inner')).toBe('undefined');
  });

  it('hoists destructuring patterns', async () => {
    const { value, context } = await evaluate(
      'async function f() { return { a: 1, b: [2, 3], d: 4, e: 5 } }\n' +
        'const { a, b: [c, ...more], x = 9, ...rest } = await f();\n' +
        '[a, c, more, x, rest]',
    );
    expect(value).toEqual([1, 2, [3], 9, { d: 4, e: 5 }]);
    expect(runIn(context, 'a + c + x')).toBe(12);
  });

  it('runs for await', async () => {
    const code = 'async function* gen() { yield 1; yield 2; yield 3 }\nlet s = 0\nfor await (const v of gen()) s += v; s';
    expect(await valueOf(code)).toBe(6);
  });

  it('hoists var in loops and if bodies without breaking them', async () => {
    const code = [
      'for (var i = 0, j = 10; i < 3; i++) j++',
      'if (i === 3) var k = j',
      'for (var key in { p: 1 }) ;',
      'for (var [item] of [[7]]) ;',
      'await 0;',
      '[i, j, k, key, item]',
    ].join('\n');
    expect(await valueOf(code)).toEqual([3, 13, 13, 'p', 7]);
  });

  it('does not let a hoisted declaration join the previous line (ASI)', async () => {
    // Each declaration ends without `;` and the next line starts with `(`, `[` or a template.
    const code = 'let u\n(() => 1)()\nvar v\n[1].forEach(() => {})\nlet s\n`t`\nawait 0;\n[u, v, s]';
    expect(await valueOf(code)).toEqual([undefined, undefined, undefined]);
  });

  it('returns a final promise boxed, not awaited by the wrapper', async () => {
    const { value, resolved, context } = await evaluate('await 0\nPromise.resolve(5)');
    expect(resolved).toHaveProperty('value');
    expect(value).toBeInstanceOf(runIn(context, 'Promise') as PromiseConstructor);
    await expect(value).resolves.toBe(5);
  });

  it('resolves to undefined when the last statement is not an expression', async () => {
    expect(await evaluate('const x = await 1')).toMatchObject({ resolved: undefined, prepared: { async: true } });
    expect((await evaluate('const x = await 1 // a comment')).resolved).toBeUndefined();
    expect((await evaluate('await 1; if (true) { 2 }')).resolved).toBeUndefined();
  });

  it('keeps directives first and hashbangs harmless', async () => {
    expect(await valueOf('"use strict"; function f() { return this }\nawait 0; f()')).toBeUndefined();
    expect(await valueOf("'use strict'\nfunction f() { return this }\nawait 0; f()")).toBeUndefined();
    expect(await valueOf('#!/usr/bin/env node\nawait 4')).toBe(4);
  });

  it('handles await in class heritage and computed keys', async () => {
    expect(await valueOf('class K { [await Promise.resolve("m")]() { return 1 } }\nnew K().m()')).toBe(1);
  });

  it('does not transform await inside a nested function: exact completion value', async () => {
    const { value, prepared } = await evaluate('1; async function g() { await 2 }');
    expect(prepared.async).toBe(false);
    expect(value).toBe(1); // a declaration leaves the completion value alone; a wrapper would lose it
    expect(await evaluate('const h = async () => await 1\n42')).toMatchObject({ value: 42, prepared: { async: false } });
  });

  it('does not transform await in strings or comments', async () => {
    expect(await evaluate('"await"; 7')).toMatchObject({ value: 7, prepared: { async: false } });
    expect(await evaluate('// await import export return\n7')).toMatchObject({ value: 7, prepared: { async: false } });
    expect(await evaluate('`${"await"}`')).toMatchObject({ value: 'await', prepared: { async: false } });
  });

  it('keeps line and column numbers of the user code', async () => {
    expect(await stackOf('await 0\nconst y = nope;')).toContain('x:2:');
    expect(await stackOf('await 0\nconst y = 1 + nope;')).toContain('x:2:15');
    expect(await stackOf('const a = await 1\nfunction f() {\n  throw new Error("boom")\n}\nf()')).toContain('x:3:9');
  });

  // Each input reads the undefined name `nope` once, as an array element (where
  // V8 reports the name itself): the ReferenceError's top frame must point at
  // it, on the line and column where the user wrote it.
  it.each([
    'const a = await 1; [nope]',
    'await 1; let b = [1, nope]',
    'const { x } = await Promise.resolve({ x: 1 }); const y = [x, nope]',
    'await 1\nvar q = 2, r = [nope]',
    'await 1\n  const s = 1;   [s, nope]',
    'return [nope]',
    'const t = 1; return [t, nope]',
    'export default [nope]',
    'await 1; function f() { return [nope] } f()',
    'await 1; class K { m() { return [nope] } } new K().m()',
    '"use strict"; await 1; [nope]',
    'for await (const v of [1]) [nope]',
    'const u = await 1 /* c */; const w = () => [nope]\nw()',
    '{ a: [nope] }',
  ])('maps the column of a transformed line back: %j', async (input) => {
    await expectNopeFrame(input);
  });

  it.each([
    'const a: number = 1; const b: string[] = [String(a), nope]',
    'function f(x: string, y?: number): void { [x, nope] }\nf("")',
    'interface I { a: number }\nconst v = <any>1 as unknown as number; await v; [v, nope]',
    'enum E { A }\nconst q: number = E.A; await 1; [q, nope]',
    'const o = { a: 1 } satisfies Record<string, number>; return [o, nope]',
  ])('maps the column back through TypeScript stripping too: %j', async (input) => {
    await expectNopeFrame(input, { language: 'ts' });
  });

  it("reports acorn's syntax error, with its position and line, where V8 would only name the await", () => {
    // V8 alone says "await is only valid in async functions…" about line 1.
    const error = sourceErrorOf('await 1;\nlet x = 1 +;');
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error).toMatchObject({ message: 'Unexpected token (2:12)', line: 2, column: 12, sourceLine: 'let x = 1 +;' });
    expect(sourceErrorOf('return 1 +').message).toBe('Unexpected token (1:11)');
    expect(sourceErrorOf('import x from "y";\nconst = 2').message).toBe('Unexpected token (2:7)');
  });

  it("leaves a syntax error V8 meets before any top-level await to V8, for its own words (as the REPL does)", () => {
    for (const code of ['let x = 1 +;\nawait x', '(2 + 3)) // return', '"import"; let let = 1', '(function () { "use strict"; return 0755 })()']) {
      expect(prepareSource(code)).toEqual({ code, async: false, language: 'js' });
    }
  });

  it('returns code acorn cannot parse but V8 compiles unchanged', () => {
    // acorn, allowing top-level await, reads `await` as the keyword; in a script V8 reads an identifier.
    const code = 'const importer = 1; let await = importer; ({ x: await }).x';
    expect(prepareSource(code)).toEqual({ code, async: false, language: 'js' });
  });
});

describe('prepareSource: return, export, import', () => {
  it('turns a top-level return into the value', async () => {
    expect(await evaluate('return 5')).toMatchObject({ value: 5, prepared: { async: true } });
    expect(await valueOf('const n = 2\nif (n > 1) return "big"\nreturn "small"')).toBe('big');
    expect(await valueOf('if (false) return 1\n2')).toBe(2);
    expect((await evaluate('return')).resolved).toBeUndefined();
  });

  it('turns export default into the value', async () => {
    expect(await valueOf('export default 6*7')).toBe(42);
    expect(await valueOf('export default 1\n2')).toBe(1);
    const fn = await valueOf('export default function answer() { return 42 }');
    expect(typeof fn === 'function' && (fn as () => number)()).toBe(42);
    expect(await valueOf('export default class A { static n = 1 }\nA.n++')).toHaveProperty('n', 2);
    expect(await valueOf('export default async () => await 1')).toBeTypeOf('function');
  });

  it('drops other export keywords and keeps the declarations', async () => {
    expect(await valueOf('export const z = 1; z')).toBe(1);
    const { value, context } = await evaluate('export function f() { return 2 }\nexport class C {}\nconst q = 3\nexport { q }\nf() + q');
    expect(value).toBe(5);
    expect(typeof context.f).toBe('function');
  });

  it('turns static imports into import() with the right bindings', async () => {
    expect(await valueOf("import path from 'node:path'; path.sep", { imports: true })).toBe(path.sep);
    const code = [
      "import * as ns from 'node:path'",
      "import def, { sep as s, join, 'basename' as base } from 'node:path'",
      "import both, * as again from 'node:path'",
      "import 'node:path'",
      '[ns.sep, def.sep, s, join("a", "b"), base("/q/r"), both === again.default]',
    ].join('\n');
    expect(await valueOf(code, { imports: true })).toEqual([path.sep, path.sep, path.sep, path.join('a', 'b'), 'r', true]);
  });

  it('keeps imports on their own lines', () => {
    const { code } = prepareSource("import {\n  sep,\n} from 'node:path'\nsep");
    expect(code.split('\n')).toHaveLength(4);
    expect(code.split('\n')[3]).toContain('sep');
    expect(code).toContain("await import('node:path')");
  });

  it('passes import attributes on', () => {
    expect(prepareSource("import data from './d.json' with { type: 'json' }\ndata").code).toContain(
      "await import('./d.json', { with: { type: 'json' } })",
    );
  });
});

describe('prepareSource: TypeScript', () => {
  const typescript = [
    'interface Point { x: number; y: number }',
    'enum Color { Red, Green = 5, Blue }',
    'type Pair<T> = [T, T];',
    'function first<T>(pair: Pair<T>): T { return pair[0] }',
    'const p = { x: 1, y: 2 } satisfies Point;',
    'const n = (p.x as number) + first<number>([Color.Blue, 0]);',
    'class Box { constructor(private readonly v: number) {} get value(): number { return this.v } }',
    'new Box(n).value',
  ].join('\n');

  it('strips types; enums and parameter properties work', async () => {
    const { value, prepared } = await evaluate(typescript, { language: 'ts' });
    expect(prepared).toMatchObject({ async: false, language: 'ts' });
    expect(value).toBe(7);
  });

  it('strips types from code with top-level await', async () => {
    const code = 'const v: number = await Promise.resolve(3);\ntype T = number;\nconst w = <T,>(x: T): T => x;\nw(v * 2)';
    expect(await evaluate(code, { language: 'ts' })).toMatchObject({ value: 6, prepared: { async: true } });
  });

  it('keeps line numbers', async () => {
    const code = 'interface A {\n  x: number }\nthrow new Error("boom");';
    expect(await stackOf(code, { language: 'ts' })).toContain('x:3');
    const awaiting = 'const v: number = await Promise.resolve(1);\ninterface I { v: number }\nthrow new Error("boom")';
    expect(await stackOf(awaiting, { language: 'ts' })).toContain('x:3');
  });

  it('keeps the last value before a trailing export {}', async () => {
    expect(await valueOf('const a: number = 1;\na + 1\nexport {}', { language: 'ts' })).toBe(2);
  });

  it('reports a TypeScript syntax error with its position', () => {
    const error = sourceErrorOf('const a = 1;\nconst b: = 2;', { language: 'ts' });
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.name).toBe('SyntaxError');
    expect(error).toMatchObject({ line: 2, column: 10 });
    expect(error.message).toMatch(/TypeScript syntax error: Unexpected token \(2:10\)/);
  });

  it("strips as Node does: type parameters after return/throw on a new line keep the code's meaning", async () => {
    expect(await valueOf('function id() { return <T>\n(x: T) => x }\nid()(5)', { language: 'ts' })).toBe(5);
    expect(await valueOf('try { (() => { throw <\nT\n>(x: T) => x })() } catch (e) { typeof e }', { language: 'ts' })).toBe('function');
  });

  it('orders parameter properties before the class fields, as Node and tsc do', async () => {
    const classes = [
      'class Foo { y = 1; constructor(public x: number, private z?: string) {} }',
      'class Bar extends Foo { w = 3; constructor(readonly q = `${1}`, protected r = { k: 1 }) { super(2); } }',
      'const C = class { k = 0; constructor(private override readonly p: string) {} };',
    ].join('\n');
    const keys = await valueOf(`${classes}\n[Object.keys(new Bar()), Object.keys(new C('p'))]`, { language: 'ts' });
    expect(keys).toEqual([['x', 'z', 'y', 'q', 'r', 'w'], ['p', 'k']]);
  });

  it('keeps columns on the line where parameter properties were declared', async () => {
    const code = 'class E { m = 1; constructor(public x: number) { throw new Error("boom") } }\nnew E(1)';
    expect(await stackOf(code, { language: 'ts' })).toContain(`x:1:${code.indexOf('new Error') + 1}`);
  });

  it('keeps imports as written, as Node does (use `import type` for types)', () => {
    expect(prepareSource('import { foo } from "."; export {}', { language: 'ts' }).code).toContain('import(".")');
    expect(prepareSource('import type { T } from "./types"; const x: T = 1; x', { language: 'ts' }).code).not.toContain('import(');
  });

  it('rejects namespaces, which the stripper would drop', () => {
    expect(sourceErrorOf('namespace N { export const k = 1 }\nN.k', { language: 'ts' }).message).toMatch(
      /namespaces are not supported .*\(1:1\)$/,
    );
    expect(prepareSource('declare namespace D { const x: number }\n1', { language: 'ts' }).code).toMatch(/^ *\n1$/);
  });
});

describe('prepareSource: markdown fences', () => {
  it('runs the one fence and takes its language from the tag', async () => {
    const input = 'Here is the code:\n\n```ts\nconst n: number = 21;\nn * 2\n```\n\nIt prints 42.';
    expect(await evaluate(input)).toMatchObject({ value: 42, prepared: { language: 'ts' } });
  });

  it('accepts a bare fence, CRLF lines and an unclosed fence', async () => {
    expect(await evaluate('```\n1 + 2\n```')).toMatchObject({ value: 3, prepared: { language: 'js' } });
    expect(await valueOf('Run:\r\n```JavaScript\r\n2 + 2\r\n```\r\n')).toBe(4);
    expect(await valueOf('```js\n5 + 5')).toBe(10);
    expect(await valueOf('  ```js title="x.js"\n  6\n  ```')).toBe(6);
  });

  it('lets options.language win over the tag', () => {
    expect(prepareSource('```ts\n1\n```', { language: 'js' }).language).toBe('js');
    expect(prepareSource('```js\n1\n```', { language: 'ts' }).language).toBe('ts');
  });

  it('numbers lines from the first line inside the fence', async () => {
    expect(await stackOf('Some prose.\n\n```js\n\nthrow new Error("boom")\n```')).toContain('x:2');
  });

  it('rejects several fences', () => {
    const error = sourceErrorOf('```js\n1\n```\ntext\n```ts\n2\n```');
    expect(error.message).toMatch(/2 markdown code fences .*lines 1, 5.*only one/);
  });

  it('rejects a fence tagged with another language', () => {
    expect(sourceErrorOf('```python\nprint(1)\n```').message).toMatch(/tagged "python"/);
  });

  it('does not take backticks inside code for a fence', async () => {
    const inline = ['const fence = "```";', 'const md = `a \\`\\`\\`js b\\`\\`\\` c`;', '[fence.length, md.length]'];
    expect(await valueOf(inline.join('\n'))).toEqual([3, 14]);
    // A template literal cannot hold a raw backtick, so its fence lines start with a backslash.
    const templated = ['const md = `', '\\`\\`\\`js', 'x', '\\`\\`\\`', '`;', 'md.split("\\n").length'];
    expect(await valueOf(templated.join('\n'))).toBe(5);
    expect(await valueOf('/*\n```js\nexample()\n```\n*/\n"real"')).toBe('real');
  });

  it('keeps inner shorter fences inside a longer one', async () => {
    expect(await valueOf('````md\n/*\n```\n*/ 5\n````', { language: 'js' }).catch((e: unknown) => e)).toBeInstanceOf(
      SourceError,
    );
    expect(await valueOf('````js\n/*\n```\n*/ 5\n````')).toBe(5);
  });
});

describe('prepareSource: caller mistakes', () => {
  it('throws TypeError for a non-string or an unknown language', () => {
    expect(() => prepareSource(42 as unknown as string)).toThrow(TypeError);
    expect(() => prepareSource('1', { language: 'py' as 'js' })).toThrow(/language must be 'js' or 'ts', got py/);
  });
});
