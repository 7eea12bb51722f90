import { describe, expect, it } from 'vitest';
import { expectOk, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes, rssMb } from './helpers.js';

describe.each(LEVELS)('%s: hostile results', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('a 50 MB string as the result arrives whole, in a few seconds at most', async () => {
    const before = rssMb();
    // ~1 s on a quiet 2-core machine; 5 s was once not enough for 'process' at a load average of 20.
    const result = expectOk(await sandbox.run('"x".repeat(50e6)', { timeout: 10_000 }));
    expect(typeof result.result).toBe('string');
    const text = result.result as string;
    expect(text.length).toBe(50e6);
    expect(text.startsWith('xxxx') && text.endsWith('xxxx')).toBe(true);
    expect(result.inspected.startsWith("'xxxx")).toBe(true);
    // The string itself is 50 MB in the host (one byte per char) plus transport copies.
    expect(rssMb() - before).toBeLessThan(400);
    await expectHealthy(sandbox);
  });

  it('a result nested 100 000 levels deep resolves ok with an honest value', async () => {
    const result = expectOk(await sandbox.run('let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; o', { timeout: 10_000 }));
    expect(result.inspected).toBe('{ o: { o: { o: [Object] } } }');
    // Structured clone overflows its stack in the isolate: the value is copied with its nesting capped, marked where it was cut.
    let depth = 0;
    let node: unknown = result.result;
    for (; typeof node === 'object' && node !== null; node = (node as { o: unknown }).o) depth++;
    expect(depth).toBe(501);
    expect(node).toMatch(/^\[nested deeper than 500 levels: \{ o: \[Object\] \}\]$/);
    await expectHealthy(sandbox);
  });

  it('an object whose getter throws: the getter is replaced by a marker', async () => {
    const result = expectOk(await sandbox.run('({ a: 1, get b() { throw new Error("boom") } })'));
    expect(result.inspected).toBe('{ a: 1, b: [Getter] }');
    const value = result.result as { a: unknown; b: unknown };
    expect(value.a).toBe(1);
    expect(value.b).toMatch(/^\[getter threw: Error: boom/);
    await expectHealthy(sandbox);
  });

  it('a Proxy that throws on every trap is reported ok, as its inspect text', async () => {
    const code = `
      const trap = () => { throw new Error("trap") };
      new Proxy({}, {
        get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, defineProperty: trap,
        deleteProperty: trap, getPrototypeOf: trap, setPrototypeOf: trap, isExtensible: trap,
        preventExtensions: trap, apply: trap, construct: trap,
      })`;
    const result = expectOk(await sandbox.run(code));
    expect(result.inspected).toBe('{}');
    expect(result.result).toBe('{}');
    await expectHealthy(sandbox);
  });

  it('a thenable that is not a promise is the value itself, not awaited', async () => {
    // The contract awaits the value only if it is a promise; a REPL prints a thenable as it is.
    const result = expectOk(await sandbox.run('({ then() {} })', { timeout: 1_000 }));
    expect(result.inspected).toBe('{ then: [Function: then] }');
    expect(result.result).toEqual({ then: '[Function: then]' });
    await expectHealthy(sandbox);
  });

  it.each([
    ['a Symbol', 'Symbol("s")', 'Symbol(s)'],
    ['a function', '(function named(a, b) { return a + b })', '[Function: named]'],
    ['a WeakMap', 'new WeakMap([[{}, 1]])', 'WeakMap { <items unknown> }'],
  ])('%s: its inspect text', async (_kind, code, text) => {
    const result = expectOk(await sandbox.run(code));
    expect(result).toMatchObject({ result: text, inspected: text });
    await expectHealthy(sandbox);
  });

  it('a class instance: a plain object; inspected keeps the class name', async () => {
    const result = expectOk(await sandbox.run('class Point { constructor() { this.x = 1; this.y = 2 } get sum() { return 3 } }; new Point()'));
    expect(result.inspected).toBe('Point { x: 1, y: 2 }');
    expect(result.result).toEqual({ x: 1, y: 2 });
    expect(Object.getPrototypeOf(result.result)).toBe(Object.prototype);
    await expectHealthy(sandbox);
  });

  it('uncloneable members inside an object are replaced one by one', async () => {
    const result = expectOk(await sandbox.run('({ n: 1, s: Symbol("inner"), f() {}, w: new WeakSet(), p: Promise.resolve(1) })'));
    expect(result.result).toEqual({ n: 1, s: 'Symbol(inner)', f: '[Function: f]', w: 'WeakSet { <items unknown> }', p: 'Promise { 1 }' });
    await expectHealthy(sandbox);
  });

  it('an object whose util.inspect.custom throws: ok, inspected says so', async () => {
    const result = expectOk(await sandbox.run('({ a: 1, [Symbol.for("nodejs.util.inspect.custom")]() { throw new Error("no inspect") } })'));
    expect(result.inspected).toBe('[uninspectable: Error: no inspect]');
    expect(result.result).toEqual({ a: 1 });
    await expectHealthy(sandbox);
  });
});
