import { describe, expect, it } from 'vitest';
import { SandboxOverloadedError } from 'repl-sandbox';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

/** Code whose value is `ms`, given after `ms` milliseconds (a timer in the isolate). */
const waitMs = (ms: number): string => `new Promise((resolve) => setTimeout(() => resolve(${ms}), ${ms}))`;

describe.each(LEVELS)('%s: queue and concurrency', (isolation) => {
  it('runs at most `concurrency` evaluations at once; the rest wait in FIFO order', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 2, warm: 2 });
    await sandbox.warmup();
    const calls: number[] = [];
    const runs = [0, 1, 2, 3, 4].map(() => {
      calls.push(performance.now());
      return sandbox.run(waitMs(150));
    });
    // run() counts a call as running or queued before it returns.
    expect(sandbox.stats).toMatchObject({ running: 2, queued: 3 });
    const results = await Promise.all(runs);
    results.forEach((r) => expectOk(r));
    // FIFO by when each left the queue: its call plus its queuedMs. Not by when each
    // finished (that also depends on how fast its isolate boots under load), and not by
    // queuedMs alone (a GC pause inside one run() call delays the calls after it).
    const started = results.map((r, i) => (calls[i] ?? 0) + r.timings.queuedMs);
    const [s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0] = started;
    expect(Math.max(s0, s1)).toBeLessThan(Math.min(s2, s3));
    expect(Math.max(s2, s3)).toBeLessThan(s4);
    // A queued run starts only when a run ahead of it has ended (150 ms each; timers may fire ~1 ms early).
    expect(Math.min(s2, s3) - Math.min(s0, s1)).toBeGreaterThan(140);
    expect(s4 - Math.min(s2, s3)).toBeGreaterThan(140);
    // Waiting in the queue is timed apart from the run: the fifth was called before the third
    // started, and started a run's length after it.
    expect(results[4]?.timings.queuedMs).toBeGreaterThan(140);
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, completed: 5 });
  });

  it('the timeout clock starts when the evaluation starts, not while it waits', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1 });
    const first = sandbox.run(waitMs(400));
    const second = sandbox.run(waitMs(100), { timeout: 300 });
    expectOk(await first);
    expect(expectOk(await second).result).toBe(100);
  });

  it('rejects with SandboxOverloadedError past maxQueue, naming the limit', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 1, maxQueue: 1, warm: 0 });
    const running = sandbox.run(waitMs(200));
    const queued = sandbox.run('1');
    const error = await sandbox.run('2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxOverloadedError);
    expect((error as SandboxOverloadedError).code).toBe('ERR_SANDBOX_OVERLOADED');
    expect((error as Error).message).toMatch(/maxQueue/);
    expectOk(await running);
    expectOk(await queued);
  });

  it('an aborted signal takes a run out of the queue without starting it', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1 });
    const running = sandbox.run(waitMs(200));
    const controller = new AbortController();
    const queued = sandbox.run('globalThis.started = true; 1', { signal: controller.signal });
    expect(sandbox.stats.queued).toBe(1);
    controller.abort(new Error('changed my mind'));
    const result = expectError(await queued, 'aborted');
    expect((result.error.reason as Error).message).toBe('changed my mind');
    expect(sandbox.stats.queued).toBe(0);
    expectOk(await running);
  });

  it('an already-aborted signal never starts an isolate', async () => {
    const sandbox = useSandbox({ isolation, warm: 0 });
    const result = expectError(await sandbox.run('1', { signal: AbortSignal.abort('no') }), 'aborted');
    expect(result.error.reason).toBe('no');
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, warm: 0 });
  });

  it('aborting a running evaluation terminates it promptly with the output so far', async () => {
    const sandbox = useSandbox({ isolation, warm: 1 });
    const controller = new AbortController();
    const chunks: string[] = [];
    const started = performance.now();
    const pending = sandbox.run('console.log("working"); while (true) {}', {
      signal: controller.signal,
      onOutput: (chunk) => {
        chunks.push(chunk);
        controller.abort('stop');
      },
    });
    const result = expectError(await pending, 'aborted');
    expect(result.output).toBe('working\n');
    expect(result.error.reason).toBe('stop');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(expectOk(await sandbox.run('"next"')).result).toBe('next');
  });

  it('aborting while the isolate boots resolves at once', async () => {
    const sandbox = useSandbox({ isolation, warm: 0 });
    const controller = new AbortController();
    const pending = sandbox.run('1', { signal: controller.signal });
    controller.abort();
    expectError(await pending, 'aborted');
    expect(expectOk(await sandbox.run('2')).result).toBe(2);
  });
});
