import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectError, expectOk, useSandbox } from './helpers.js';

const counter = fileURLToPath(new URL('./fixtures/counter.cjs', import.meta.url));

// 'context' runs every task in a fresh vm context inside long-lived workers.
// These tests pin down what that shares and what it does not.
describe("isolation: 'context'", () => {
  // One worker, so consecutive runs are sure to share it.
  const sandbox = useSandbox({ isolation: 'context', concurrency: 1, warm: 1 });

  it('does not carry globals or changed built-in prototypes over', async () => {
    expectOk(await sandbox.run('globalThis.leaked = 1; Array.prototype.evil = 1; Object.prototype.polluted = 1'));
    expect(expectOk(await sandbox.run('[typeof leaked, typeof [].evil, typeof ({}).polluted]')).result).toEqual([
      'undefined',
      'undefined',
      'undefined',
    ]);
  });

  it('clears the timers a task left running, so they never print into the next task', async () => {
    expectOk(await sandbox.run('setInterval(() => console.log("late"), 1); setTimeout(() => console.log("later"), 30); 1'));
    const next = expectOk(await sandbox.run('new Promise((resolve) => setTimeout(resolve, 80))'));
    expect(next.output).toBe('');
  });

  it('restores process.env between tasks', async () => {
    expectOk(await sandbox.run('process.env.CONTEXT_LEAK = "x"'));
    expect(expectOk(await sandbox.run('process.env.CONTEXT_LEAK')).result).toBeUndefined();
  });

  it('SHARES the module cache of require() within a worker (documented)', async () => {
    const code = `require(${JSON.stringify(counter)}).increment()`;
    const first = expectOk(await sandbox.run(code)).result as number;
    expect(expectOk(await sandbox.run(code)).result).toBe(first + 1);
  });

  it('SHARES the worker main realm reachable through Node objects (documented)', async () => {
    expectOk(await sandbox.run('process.sharedMark = 7'));
    expect(expectOk(await sandbox.run('process.sharedMark')).result).toBe(7);
  });

  it('recovers from a timeout: piscina replaces the terminated worker', async () => {
    expectError(await sandbox.run('while (true) {}', { timeout: 100 }), 'timeout');
    const after = expectOk(await sandbox.run('[typeof process.sharedMark, 1 + 1]'));
    // A new worker: the main-realm mark is gone with the old one.
    expect(after.result).toEqual(['undefined', 2]);
  });
});
