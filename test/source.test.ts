import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

/** A directory with one CommonJS and one ESM-only package, for the `cwd` option. */
function packageDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'repl-sandbox-cwd-'));
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('node_modules/fixture-cjs/package.json', JSON.stringify({ name: 'fixture-cjs', main: 'index.js' }));
  write('node_modules/fixture-cjs/index.js', 'exports.kind = "cjs";');
  write('node_modules/fixture-esm/package.json', JSON.stringify({ name: 'fixture-esm', type: 'module', exports: { import: './index.js' } }));
  write('node_modules/fixture-esm/index.js', 'export const kind = "esm"; export default 42;');
  return dir;
}

describe.each(LEVELS)('%s: the code people and models write', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('top-level await with the last expression as the value', async () => {
    expect(expectOk(await sandbox.run('const x = await Promise.resolve(41); x + 1')).result).toBe(42);
    const forAwait = 'async function* gen() { yield 1; yield 2 }\nlet s = 0;\nfor await (const v of gen()) s += v;\ns';
    expect(expectOk(await sandbox.run(forAwait)).result).toBe(3);
    expect(expectOk(await sandbox.run('const a = await 1;\nconst b = a + 1;\nb * 10')).result).toBe(20);
  });

  it('a promise as the final value is awaited; a rejection is an exception', async () => {
    expect(expectOk(await sandbox.run('Promise.resolve(5)')).result).toBe(5);
    expect(expectOk(await sandbox.run('await 0; Promise.resolve(6)')).result).toBe(6);
    const rejected = expectError(await sandbox.run('await 0; Promise.reject(new RangeError("r"))'), 'exception');
    expect(rejected.error).toMatchObject({ name: 'RangeError', message: 'r' });
  });

  it('an object literal as the whole input is an object, not a block', async () => {
    expect(expectOk(await sandbox.run('{ a: 1 }')).result).toEqual({ a: 1 });
    expect(expectOk(await sandbox.run('{ a: 1, b: [2] }')).result).toEqual({ a: 1, b: [2] });
    expect(expectOk(await sandbox.run('{a: 1}.a')).result).toBe(1);
    expect(expectOk(await sandbox.run('{} + []')).result).toBe('[object Object]');
  });

  it("never shows the library's own files or frames: a failed import(), an input that cannot be prepared", async () => {
    // A directory of the repository without a package.json: Node names the importer in its message.
    const failed = expectError(await sandbox.run("await import('./test/')"), 'exception');
    for (const text of [failed.error.message, failed.error.stack, String((failed.error.value as Error).stack)]) {
      expect(text).not.toMatch(/dist[\\/]|harness|\.cjs/);
    }
    expect(failed.error.message).toContain('<sandbox>');
    const unprepared = expectError(await sandbox.run('```js\n1\n```\n```js\n2\n```'), 'exception');
    expect(unprepared.error.value).toBeInstanceOf(Error);
    expect((unprepared.error.value as Error).stack).toBe(unprepared.error.stack);
    expect(unprepared.error.stack).not.toMatch(/dist[\\/]|prepare[\\/]|\.js:\d+/);
  });

  it('has CommonJS module and exports, fresh for every run; the value is still the last expression', async () => {
    expect(expectOk(await sandbox.run('module.exports = { add: (a, b) => a + b, n: 2 }')).inspected).toBe('{ add: [Function: add], n: 2 }');
    const shape = expectOk(
      await sandbox.run("exports.x = 2; [module.exports.x, exports === module.exports, typeof module.require, require('node:path').basename(module.filename), Array.isArray(module.paths)]"),
    );
    expect(shape.result).toEqual([2, true, 'function', '<sandbox>', true]);
    expect(expectOk(await sandbox.run('[module.exports.x, Object.keys(exports)]')).result).toEqual([undefined, []]);
    expect(expectOk(await sandbox.run("module.require('node:os') === require('node:os')")).result).toBe(true);
  });

  it("TypeScript with language: 'ts', enums included, user line numbers kept", async () => {
    const code = [
      'interface Point { x: number; y: number }',
      'enum Color { Red, Green = 5 }',
      'function norm<T extends Point>(p: T): number { return Math.hypot(p.x, p.y) }',
      'const p = { x: 3, y: 4 } satisfies Point;',
      '[norm(p), Color.Green, (p as Point).x]',
    ].join('\n');
    expect(expectOk(await sandbox.run(code, { language: 'ts' })).result).toEqual([5, 5, 3]);
    const thrown = expectError(await sandbox.run('const n: number = 1;\n\nthrow new Error("line 3")', { language: 'ts' }), 'exception');
    expect(thrown.error.stack).toMatch(/<sandbox>:3:7/);
    const tla = expectOk(await sandbox.run('const v: number = await Promise.resolve(2);\nv * 2', { language: 'ts' }));
    expect(tla.result).toBe(4);
  });

  it('one markdown fence: its code runs and its tag picks the language', async () => {
    const reply = 'Here is the code:\n\n```ts\nconst n: number = 2;\nn * 21\n```\n\nIt prints nothing.';
    expect(expectOk(await sandbox.run(reply)).result).toBe(42);
    expect(expectOk(await sandbox.run('```\n1 + 1\n```')).result).toBe(2);
    const two = expectError(await sandbox.run('```js\n1\n```\nand\n```js\n2\n```'), 'exception');
    expect(two.error.name).toBe('SyntaxError');
    expect(two.error.message).toMatch(/2/);
  });

  it('top-level return and export default give the value', async () => {
    expect(expectOk(await sandbox.run('const x = 5;\nreturn x * 2;')).result).toBe(10);
    expect(expectOk(await sandbox.run('export default 6 * 7')).result).toBe(42);
  });

  it('require() and import() of built-ins and installed packages, CommonJS and ESM, with no warning', async () => {
    const code = `
      import path from 'node:path';
      const os = require('os');
      const acorn = require('acorn');
      const { default: superjson } = await import('superjson');
      const esm = await import('import-meta-resolve');
      [path.sep, typeof os.cpus, typeof acorn.parse, typeof superjson.stringify, typeof esm.resolve]`;
    const result = expectOk(await sandbox.run(code));
    expect(result.result).toEqual(['/', 'function', 'function', 'function', 'function']);
    expect(result.output).not.toMatch(/Warning/);
  });

  const dir = packageDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const there = useSandbox({ isolation, warm: 0, cwd: dir });

  it('resolves packages from the cwd option', async () => {
    const result = expectOk(await there.run('const esm = await import("fixture-esm");\n[require("fixture-cjs").kind, esm.kind, esm.default]'));
    expect(result.result).toEqual(['cjs', 'esm', 42]);
  });

  it('onOutput receives output live, before the run ends', async () => {
    const arrivals: Array<{ chunk: string; at: number }> = [];
    const started = performance.now();
    const result = expectOk(
      await sandbox.run('console.log("first"); await new Promise((r) => setTimeout(r, 300)); console.log("second"); 1', {
        onOutput: (chunk) => arrivals.push({ chunk, at: performance.now() - started }),
      }),
    );
    const finished = performance.now() - started;
    expect(arrivals.map((a) => a.chunk).join('')).toBe(result.output);
    expect(arrivals[0]?.chunk).toBe('first\n');
    expect(finished - (arrivals[0]?.at ?? Infinity)).toBeGreaterThan(200);
  });

  it('stack traces use the filename option', async () => {
    const result = expectError(await sandbox.run('\nthrow new Error("here")', { filename: 'model-code.js' }), 'exception');
    expect(result.error.stack).toBe('Error: here\n    at model-code.js:2:7');
  });
});
