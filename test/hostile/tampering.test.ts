import { describe, expect, it } from 'vitest';
import { expectError, expectOk, inChildProcess, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes, peakRssGrowth, runInChildHost } from './helpers.js';

describe.each(LEVELS)('%s: the code tampers with its environment before returning', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('changed Object.prototype and Array.prototype: the result still arrives correct', async () => {
    const code = `
      const value = { a: [1, 2], d: new Date(0), m: new Map([[1, 2]]), s: new Set([3]), e: new RangeError("inner") };
      Object.prototype.toJSON = () => "x";
      Object.prototype.constructor = null;
      Array.prototype.push = null;
      Array.prototype.map = null;
      Array.prototype.join = null;
      Array.prototype[Symbol.iterator] = function* () { yield "evil" };
      Object.keys = null; Object.entries = null; Object.defineProperty = null;
      String.prototype.slice = null;
      Map.prototype.forEach = null; Map.prototype.entries = null;
      Function.prototype.call = null; Function.prototype.apply = null; Function.prototype.bind = null;
      value`;
    const result = expectOk(await sandbox.run(code));
    const value = result.result as { a: unknown; d: unknown; m: unknown; s: unknown; e: Error };
    expect(value.a).toEqual([1, 2]);
    expect(value.d).toEqual(new Date(0));
    expect(value.m).toEqual(new Map([[1, 2]]));
    expect(value.s).toEqual(new Set([3]));
    expect(value.e).toBeInstanceOf(Error);
    expect([value.e.name, value.e.message]).toEqual(['RangeError', 'inner']);
    expect(result.inspected).toMatch(/a: \[ 1, 2 \],\n {2}d: 1970-01-01T00:00:00\.000Z,\n {2}m: Map\(1\) \{ 1 => 2 \}/);
    await expectHealthy(sandbox);
  });

  it('changed Array.prototype and String.prototype: stacks are still formatted, thrown or read', async () => {
    const tamper = 'Array.prototype.map = null; Array.prototype.join = null; Array.prototype.slice = null; String.prototype.split = null;\n';
    const read = expectOk(await sandbox.run(`${tamper}new RangeError("read").stack`));
    expect(read.result).toBe('RangeError: read\n    at <sandbox>:2:1');
    const thrown = expectError(await sandbox.run(`${tamper}await 1; null.x`), 'exception');
    expect(thrown.error.stack).toBe("TypeError: Cannot read properties of null (reading 'x')\n    at <sandbox>:2:15");
  });

  it('a polluted Object.prototype.then does not turn every value into a thenable', async () => {
    // Every object of the context's realm now looks like a thenable that never settles.
    const result = expectOk(await sandbox.run('Object.prototype.then = function () {}; ({ a: 1 })', { timeout: 1_000 }));
    expect(result.result).toEqual({ a: 1 });
    await expectHealthy(sandbox);
  });

  it('overwritten console, JSON, structuredClone, Promise, Symbol, Error, Object, Array', async () => {
    const code = `
      console.log("before");
      const value = { a: [1, 2], s: "ok", d: new Date(0) };
      globalThis.console = null; JSON = null; structuredClone = null; Promise = null; Symbol = null;
      Error = null; Object = null; Array = null; Reflect = null; Map = null; Date = null;
      value`;
    const result = expectOk(await sandbox.run(code));
    expect(result.output).toBe('before\n');
    expect(result.result).toEqual({ a: [1, 2], s: 'ok', d: new Date(0) });
    await expectHealthy(sandbox);
  });

  it('overwritten MessagePort.prototype.postMessage, parentPort, process.send, process.stdout.write', async () => {
    const code = `
      const wt = require("worker_threads");
      wt.MessagePort.prototype.postMessage = () => {};
      if (wt.parentPort) wt.parentPort.postMessage = () => {};
      process.send = null;
      process.stdout.write = null;
      process.stderr.write = null;
      console.log("still captured");
      ({ a: 1 })`;
    const result = expectOk(await sandbox.run(code));
    expect(result.output).toBe('still captured\n');
    expect(result.result).toEqual({ a: 1 });
    await expectHealthy(sandbox);
  });

  // The 'process' harness writes its reports with fs.writeSync, v8.serialize
  // and Buffer, looked up when it reports: the same kind of internals as the
  // worker's postMessage, which it binds at boot.
  it('overwritten require("fs").writeSync', async () => {
    const result = expectOk(await sandbox.run('require("fs").writeSync = () => 0; console.log("printed"); ({ a: 1 })', { timeout: 2_000 }));
    expect(result.output).toBe('printed\n');
    expect(result.result).toEqual({ a: 1 });
    await expectHealthy(sandbox);
  });

  it('overwritten Buffer.allocUnsafe and Buffer.prototype.writeUInt32LE', async () => {
    const code = 'Buffer.allocUnsafe = null; Buffer.prototype.writeUInt32LE = null; console.log("printed"); ({ a: 1 })';
    const result = expectOk(await sandbox.run(code, { timeout: 2_000 }));
    expect(result.output).toBe('printed\n');
    expect(result.result).toEqual({ a: 1 });
    await expectHealthy(sandbox);
  });

  it('overwritten require("v8").serialize: the host survives', async () => {
    // Run with the host in a child process: in 'process' this took the host down.
    const child = await runInChildHost(isolation, 'require("v8").serialize = () => Buffer.alloc(0); ({ a: 1 })', { timeout: 2_000 });
    expect({ status: child.status, signal: child.signal, next: child.next }).toEqual({
      status: 0,
      signal: null,
      next: { ok: true, result: 2, inspected: '2' },
    });
    expect(child.first).toEqual({ ok: true, result: { a: 1 }, inspected: '{ a: 1 }' });
  });

  /** Runs `code` in a child host: it exits normally and its next run works. */
  const expectHostSurvives = async (code: string): Promise<void> => {
    const child = await runInChildHost(isolation, code, { timeout: 2_000 });
    expect({ status: child.status, signal: child.signal, next: child.next }).toEqual({
      status: 0,
      signal: null,
      next: { ok: true, result: 2, inspected: '2' },
    });
    expect(child.first).toBeDefined();
  };

  // Forged reports on every port the code can find: forgery.test.ts.

  if (inChildProcess(isolation)) {
    it('a malformed frame written to the report pipe (fd 3): the host survives', async () => {
      const code = 'require("fs").writeSync(3, Buffer.from([1, 0, 0, 0, 0xff])); "after"';
      await expectHostSurvives(code);
    });

    it('a forged frame header announcing 4 GB, then a stream of bytes: stopped at once as a protocol breach, host RSS bounded', async () => {
      const code = `
        const fs = require("fs");
        const header = Buffer.alloc(4); header.writeUInt32LE(0xffffffff, 0); fs.writeSync(3, header);
        const chunk = Buffer.alloc(1 << 20, 1);
        for (;;) { try { fs.writeSync(3, chunk) } catch {} }`;
      const growth = await peakRssGrowth(async () => {
        const result = expectError(await sandbox.run(code, { timeout: 2_000 }), 'crashed');
        expect(result.error).toMatchObject({ reason: 'error', message: expect.stringMatching(/report protocol/) as unknown });
      });
      expect(growth).toBeLessThan(300);
      await expectHealthy(sandbox);
    });
  }
});
