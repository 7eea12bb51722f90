import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

// Every value is made by sandboxed code, in the vm context's own realm.
describe.each(LEVELS)('%s: the value of the last expression survives the trip to the host', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 2 });
  const value = async (code: string): Promise<unknown> => expectOk(await sandbox.run(code)).result;

  it('Date, Map, Set, BigInt, RegExp', async () => {
    const date = await value('new Date(86_400_000)');
    expect(date).toBeInstanceOf(Date);
    expect((date as Date).getTime()).toBe(86_400_000);
    expect(await value('new Map([["a", 1], [2, { b: 3n }]])')).toEqual(new Map<unknown, unknown>([['a', 1], [2, { b: 3n }]]));
    expect(await value('new Set([1, "two", 3n])')).toEqual(new Set([1, 'two', 3n]));
    expect(await value('12345678901234567890n')).toBe(12345678901234567890n);
    const regexp = await value('/a+b/gi');
    expect(regexp).toBeInstanceOf(RegExp);
    expect(String(regexp)).toBe('/a+b/gi');
  });

  it('undefined at the top level, in arrays and in objects; NaN and ±Infinity', async () => {
    expect(await value('undefined')).toBeUndefined();
    const array = (await value('[1, undefined, 3]')) as unknown[];
    expect(array).toHaveLength(3);
    expect(array[1]).toBeUndefined();
    const object = (await value('({ a: undefined, b: 1 })')) as object;
    expect(Object.keys(object)).toEqual(['a', 'b']);
    expect(await value('[NaN, Infinity, -Infinity, -0]')).toEqual([NaN, Infinity, -Infinity, -0]);
  });

  it('Errors, nested structures and circular references', async () => {
    const error = (await value('new TypeError("bad thing")')) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad thing');
    const nested = await value('({ list: [{ when: new Date(0), tags: new Set(["x"]) }], map: new Map([["k", [1n]]]) })');
    expect(nested).toEqual({ list: [{ when: new Date(0), tags: new Set(['x']) }], map: new Map([['k', [1n]]]) });
    const circular = (await value('const a = { name: "a" }; a.self = a; a.list = [a]; a')) as { self: unknown; list: unknown[] };
    expect(circular.self).toBe(circular);
    expect(circular.list[0]).toBe(circular);
  });

  it('values no structured clone can carry become their inspected text', async () => {
    const mixed = (await value('({ fn: function named() {}, sym: Symbol("s"), n: 1 })')) as Record<string, unknown>;
    expect(mixed).toEqual({ fn: '[Function: named]', sym: 'Symbol(s)', n: 1 });
    const result = expectOk(await sandbox.run('(() => 1)'));
    expect(result.result).toBe('[Function (anonymous)]');
    expect(result.inspected).toBe('[Function (anonymous)]');
    expect(await value('new WeakMap()')).toBe('WeakMap { <items unknown> }');
  });

  it('class instances arrive as plain objects; inspected keeps the class', async () => {
    const result = expectOk(await sandbox.run('class Point { constructor() { this.x = 1 } }; new Point()'));
    expect(result.result).toEqual({ x: 1 });
    expect(result.inspected).toBe('Point { x: 1 }');
  });

  it('the thrown value is copied the same way', async () => {
    const thrown = expectError(await sandbox.run('throw new Map([[1, new Date(5)]])'), 'exception');
    expect(thrown.error.value).toEqual(new Map([[1, new Date(5)]]));
  });
});
