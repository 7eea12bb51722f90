import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes } from './helpers.js';

/** Timeout plus what terminate() and a loaded 2-core machine may add. */
const LATE_MS = 3_000;

describe.each(LEVELS)('%s: code that never yields or never ends', (isolation) => {
  const sandboxes = hostileSandboxes(isolation);
  const sandbox = sandboxes();

  async function timesOut(code: string, timeout: number): Promise<string> {
    const started = performance.now();
    const result = expectError(await sandbox.run(code, { timeout }), 'timeout');
    expect(result.error).toEqual({ type: 'timeout', message: `Timed out after ${timeout} ms`, timeout });
    expect(performance.now() - started).toBeLessThan(timeout + LATE_MS);
    return result.output;
  }

  it('a synchronous infinite loop times out', async () => {
    expect(await timesOut('console.log("spin"); for (;;) {}', 300)).toBe('spin\n');
    await expectHealthy(sandbox);
  });

  it('an asynchronous infinite loop (for (;;) await null) times out', async () => {
    expect(await timesOut('console.log("spin"); for (;;) await null', 300)).toBe('spin\n');
    await expectHealthy(sandbox);
  });

  it('a microtask flood that never lets the value settle times out', async () => {
    expect(await timesOut('(function f() { queueMicrotask(f) })(); new Promise(() => {})', 300)).toBe('');
    await expectHealthy(sandbox);
  });

  it('a microtask flood left running beside a plain value: the value is reported, and the flood does not outlive the run', async () => {
    // One task at a time, so that in 'context' the next run lands in the same pool worker.
    const serial = sandboxes({ concurrency: 1 });
    const result = expectOk(await serial.run('(function f() { queueMicrotask(f) })(); "reported"', { timeout: 2_000 }));
    expect(result.result).toBe('reported');
    // The next run needs the event loop (a timer): a flood still running would starve it.
    const next = expectOk(await serial.run('await new Promise((r) => setTimeout(r, 10)); "timer fired"', { timeout: 2_000 }));
    expect(next.result).toBe('timer fired');
    await expectHealthy(serial);
  });

  it('a storm of 1000 setIntervals at 0 ms printing: the value arrives, output is capped', async () => {
    const code = 'for (let i = 0; i < 1000; i++) setInterval(() => console.log(i), 0); await new Promise((r) => setTimeout(r, 200)); "survived"';
    const result = expectOk(await sandbox.run(code, { timeout: 5_000 }));
    expect(result.result).toBe('survived');
    // 'process' and 'confined' send each write as one blocking frame: slower, they may not reach the cap in 200 ms.
    expect(result.output).toMatch(/^0\n1\n2\n(\d+\n)*(\d+)?(\n\.\.\.\(truncated, showing first 48\.8KB of [\d.]+(KB|MB)\))?$/);
    // The intervals must not outlive the run: nothing prints into the next one
    // (in 'context' the same pool worker runs the next task).
    const next = expectOk(await sandbox.run('await new Promise((r) => setTimeout(r, 100)); "quiet"'));
    expect(next.output).toBe('');
    await expectHealthy(sandbox);
  });

  it('a storm of 1000 setIntervals that never settles times out', async () => {
    const output = await timesOut('for (let i = 0; i < 1000; i++) setInterval(() => console.log(i), 0); new Promise(() => {})', 300);
    expect(output.startsWith('0\n1\n2\n')).toBe(true);
    await expectHealthy(sandbox);
  });
});
