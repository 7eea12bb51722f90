/**
 * Redis going away: never reachable, stopped while runs are pending,
 * restarted (empty) under load. Callers get results or a clear
 * QueueUnavailableError, never a hang, and the fleet recovers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQueueSandbox, type QueueSandbox, QueueUnavailableError } from 'repl-sandbox/queue';
import { expectOk } from '../helpers.js';
import { useExecutors } from './executors.js';
import { REDIS_SERVER, startRedis, useRedis } from './redis.js';

const CONNECT_TIMEOUT_MS = 1_000;
const MARGIN_MS = 3_000;

/** Runs `1 + 1` until one succeeds; fails after `withinMs`. */
async function recovered(remote: QueueSandbox, withinMs: number): Promise<void> {
  const deadline = performance.now() + withinMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const result = await remote.run('1 + 1', { queueTimeout: 2_000 });
      if (result.ok && result.result === 2) return;
      last = result;
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw new Error(`not recovered within ${withinMs} ms; the last attempt: ${String(last instanceof Error ? last.message : JSON.stringify(last))}`);
}

describe.skipIf(REDIS_SERVER === undefined)('Redis going away', () => {
  it('never reachable: run() rejects with QueueUnavailableError naming Redis (without its password) within connectTimeout', async () => {
    // A port that had a server a moment ago and has none now.
    const gone = await startRedis();
    await gone.stop();
    const remote = createQueueSandbox({ connection: `redis://user:secret@127.0.0.1:${gone.port}`, connectTimeout: CONNECT_TIMEOUT_MS });
    try {
      const started = performance.now();
      const error = await remote.run('1').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect((error as QueueUnavailableError).code).toBe('ERR_QUEUE_UNAVAILABLE');
      expect((error as Error).message).toContain(`127.0.0.1:${gone.port}`);
      expect((error as Error).message).not.toContain('secret');
      expect(performance.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + MARGIN_MS);
      // Many callers at once share one wait: all reject, and no listener piles up (Node warns past 10 on one emitter).
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => remote.run('1')));
        for (const outcome of outcomes) expect(outcome.status === 'rejected' ? outcome.reason : outcome.value).toBeInstanceOf(QueueUnavailableError);
        await sleep(50);
        expect(warnings.map(({ message }) => message)).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    } finally {
      await remote.close();
    }
  });

  describe('with executors', () => {
    const redis = useRedis();
    const executors = useExecutors();
    let remote: QueueSandbox;
    beforeAll(async () => {
      await Promise.all([1, 2].map(() => executors.start(redis.server.url, ['--concurrency', '2', '--warm', '1', '--lock-duration', '3000'])));
      remote = createQueueSandbox({ connection: redis.server.url, connectTimeout: CONNECT_TIMEOUT_MS, timeout: 30_000 });
    });
    afterAll(async () => {
      await remote.close();
    });

    it('stopped while runs are pending: they reject within connectTimeout plus the 1 s check; new runs reject; it recovers when Redis returns', async () => {
      expectOk(await remote.run('1'));
      const pending = Array.from({ length: 4 }, () =>
        remote.run('await new Promise((r) => setTimeout(r, 20_000)); 1').then(
          (result) => result,
          (error: unknown) => error,
        ),
      );
      await sleep(500);
      await redis.server.stop();
      const stoppedAt = performance.now();
      const settled = await Promise.all(pending);
      expect(performance.now() - stoppedAt).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000 + MARGIN_MS);
      for (const outcome of settled) {
        expect(outcome).toBeInstanceOf(QueueUnavailableError);
        expect((outcome as Error).message).toMatch(/unavailable/);
      }
      await expect(remote.run('1')).rejects.toBeInstanceOf(QueueUnavailableError);
      await redis.server.restart();
      // Well before the orphaned runs' 20 s: their executors abort them once Redis says their jobs are gone.
      await recovered(remote, 10_000);
    }, 60_000);

    it('restarted (empty) under load: every run resolves with its own result or rejects with QueueUnavailableError, none hangs; then runs succeed', async () => {
      let delivered = 0;
      let settledCount = 0;
      const outcomes = Array.from({ length: 24 }, (_, i) =>
        remote.run(`await new Promise((r) => setTimeout(r, 200)); ${i}`).then(
          (result) => {
            delivered++;
            settledCount++;
            return { i, result };
          },
          (error: unknown) => {
            settledCount++;
            return { i, error };
          },
        ),
      );
      // Restart mid-load: once a run has delivered (not after a fixed pause, which a loaded
      // machine may spend before the first run even starts), while most still wait.
      await vi.waitFor(() => expect(delivered, 'a run delivered before the restart').toBeGreaterThan(0), { timeout: 15_000, interval: 20 });
      expect(settledCount, 'runs still pending at the restart').toBeLessThan(24);
      const restartedAt = performance.now();
      await redis.server.restart({ downMs: 500 });
      const settled = await Promise.all(outcomes);
      expect(performance.now() - restartedAt).toBeLessThan(15_000);
      for (const outcome of settled) {
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(QueueUnavailableError);
        } else {
          // A result is always the run's own, never another's or a made-up one.
          expect(expectOk(outcome.result).result).toBe(outcome.i);
        }
      }
      await recovered(remote, 20_000);
      const after = await Promise.all([1, 2, 3, 4].map((n) => remote.run(`${n} * 5`)));
      expect(after.map((result) => expectOk(result).result)).toEqual([5, 10, 15, 20]);
    }, 60_000);
  });
});
