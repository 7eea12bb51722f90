import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectOk, useSandbox } from './helpers.js';

const counter = fileURLToPath(new URL('./fixtures/counter.cjs', import.meta.url));

describe('a fresh isolate per call', () => {
  const sandbox = useSandbox({ warm: 2 });

  it('never reuses a worker: every run sees another threadId', async () => {
    const ids = new Set<unknown>();
    for (let i = 0; i < 6; i++) ids.add(expectOk(await sandbox.run('require("node:worker_threads").threadId')).result);
    expect(ids.size).toBe(6);
  });

  it('carries no globals over', async () => {
    expectOk(await sandbox.run('globalThis.leaked = 1; var alsoLeaked = 2; leaked'));
    expect(expectOk(await sandbox.run('[typeof leaked, typeof alsoLeaked]')).result).toEqual(['undefined', 'undefined']);
  });

  it('carries no changed built-in prototypes over', async () => {
    expectOk(await sandbox.run('Array.prototype.evil = () => "pwned"; Object.prototype.polluted = true'));
    expect(expectOk(await sandbox.run('[typeof [].evil, ({}).polluted]')).result).toEqual(['undefined', undefined]);
  });

  it('carries no process.env changes over, and never touches the host env', async () => {
    expectOk(await sandbox.run('process.env.REPL_SANDBOX_TEST = "set"'));
    expect(process.env.REPL_SANDBOX_TEST).toBeUndefined();
    expect(expectOk(await sandbox.run('process.env.REPL_SANDBOX_TEST')).result).toBeUndefined();
  });

  it('carries no module state over', async () => {
    const code = `require(${JSON.stringify(counter)}).increment()`;
    expect(expectOk(await sandbox.run(code)).result).toBe(1);
    expect(expectOk(await sandbox.run(code)).result).toBe(1);
  });

  it('runs the code in its own vm context, not the worker main realm', async () => {
    const result = expectOk(await sandbox.run('[Object === require("node:vm").runInThisContext("Object"), typeof globalThis.require]'));
    expect(result.result).toEqual([false, 'function']);
  });
});
