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

describe("isolation: 'context': the run after one that retires its worker", () => {
  // One worker and no spares: the next run waits for piscina to replace the retired worker
  // (piscina left it queued until another run() came: it timed out).
  const sandbox = useSandbox({ isolation: 'context', concurrency: 1, warm: 0, timeout: 10_000 });

  it.each([
    ['changed a watched built-in', "require('node:util').retiredBy = 1; 'a'"],
    ['left a server listening', "require('node:net').createServer().listen(0); 'a'"],
    ['left a microtask loop (aborted after the grace)', "(function loop() { Promise.resolve().then(loop) })(); 'a'"],
    ["imported a module (the ESM loader's start once retired it)", "await import('fs'); 'a'"],
  ])('%s: gets its result, not a timeout', async (_, code) => {
    expect(expectOk(await sandbox.run(code)).result).toBe('a');
    const next = expectOk(await sandbox.run("'b'"));
    expect(next.result).toBe('b');
    expect(next.durationMs).toBeLessThan(5_000);
    expect(expectOk(await sandbox.run("await import('fs'); 'c'")).result).toBe('c');
  });
});

describe("isolation: 'context' keeps nothing of past tasks", () => {
  const sandbox = useSandbox({ isolation: 'context', concurrency: 1, warm: 1, memoryLimit: 24 });

  // A context with Node's globals takes ~0.25 MB of heap: were the worker to keep
  // the contexts (or outputs, or values) of its tasks, 300 of them (~75 MB) would not fit in 24 MB.
  it('300 runs in one worker under a 24 MB heap never run out of memory', async () => {
    expectOk(await sandbox.run('process.soakMark = 1'));
    for (let i = 0; i < 300; i++) {
      const result = await sandbox.run(`const big = new Array(1000).fill(${i}); console.log("run", ${i}); ({ i: ${i}, sum: big.length })`);
      expect(expectOk(result).result).toEqual({ i, sum: 1000 });
    }
    // Still the first worker: nothing crashed and piscina replaced nothing.
    expect(expectOk(await sandbox.run('process.soakMark')).result).toBe(1);
  });
});
