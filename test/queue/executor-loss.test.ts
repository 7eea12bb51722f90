/**
 * Executors that go away: killed mid-run (SIGKILL, as a lost machine), all
 * of them, or stopped for a deploy (SIGTERM drains). Each test has a queue of
 * its own, so that its executors take only its runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueueSandbox, type QueueSandbox, type QueueSandboxOptions } from 'repl-sandbox/queue';
import { expectError, expectOk } from '../helpers.js';
import { type Executor, useExecutors } from './executors.js';
import { REDIS_SERVER, useRedis } from './redis.js';

/** The executors' lock in these tests: a lost run resolves about this plus the client's 1 s check after the kill. */
const LOCK_MS = 3_000;
/** Headroom on a loaded CI machine, on top of that bound. */
const MARGIN_MS = 3_000;

describe.skipIf(REDIS_SERVER === undefined)('executors that go away', () => {
  const redis = useRedis();
  const executors = useExecutors();
  const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-loss-'));
  const clients: QueueSandbox[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** `count` executors on `queue`, and a client of it. */
  async function fleet(queue: string, count: number, options: Partial<QueueSandboxOptions> = {}): Promise<{ started: Executor[]; remote: QueueSandbox }> {
    const args = ['--queue', queue, '--concurrency', '2', '--warm', '1', '--lock-duration', String(LOCK_MS)];
    const started = await Promise.all(Array.from({ length: count }, () => executors.start(redis.server.url, args)));
    const remote = createQueueSandbox({ connection: redis.server.url, queue, timeout: 120_000, ...options });
    clients.push(remote);
    return { started, remote };
  }

  /** Code that counts its runs in `counter`, prints its executor's pid, then waits a minute. */
  const sideEffect = (counter: string): string =>
    `require("node:fs").appendFileSync(${JSON.stringify(counter)}, "x"); console.log(process.pid); await new Promise((r) => setTimeout(r, 60_000)); "finished"`;

  /** Runs `code`, SIGKILLs the executor whose pid it prints first; the result and how long after the kill it came. */
  async function runAndKill(remote: QueueSandbox, code: string, fleetOf: Executor[]): Promise<{ result: Awaited<ReturnType<QueueSandbox['run']>>; afterKillMs: number; victim: Executor }> {
    let killedAt: number | undefined;
    let victim: Executor | undefined;
    const result = await remote.run(code, {
      onOutput: (text) => {
        if (killedAt !== undefined) return;
        victim = fleetOf.find(({ pid }) => pid === Number(text.trim()));
        victim?.kill('SIGKILL');
        killedAt = performance.now();
      },
    });
    if (victim === undefined || killedAt === undefined) throw new Error(`no executor was killed; the result: ${JSON.stringify(result)}`);
    return { result, afterKillMs: performance.now() - killedAt, victim };
  }

  it('an executor SIGKILLed mid-run: crashed/lost within the lock bound, the code ran once, the survivor takes the next runs', async () => {
    const { started, remote } = await fleet('kill-one', 2);
    const counter = join(dir, 'kill-one');
    const { result, afterKillMs, victim } = await runAndKill(remote, sideEffect(counter), started);
    const lost = expectError(result, 'crashed');
    expect(lost.error.reason).toBe('lost');
    expect(lost.error.message).toMatch(/executor/);
    expect(afterKillMs).toBeLessThan(LOCK_MS + 1_000 + MARGIN_MS);
    expect(await victim.exited).toBe('SIGKILL');
    // Past the survivor's own stalled-job check (every LOCK_MS): nothing ran it again.
    await sleep(2 * LOCK_MS + 500);
    expect(readFileSync(counter, 'utf8')).toBe('x');
    const survivor = started.find((executor) => executor !== victim);
    const after = await Promise.all([1, 2, 3, 4].map(() => remote.run('process.pid')));
    for (const next of after) expect(expectOk(next).result).toBe(survivor?.pid);
  }, 60_000);

  it('every executor gone mid-run: the client still resolves crashed/lost within the bound (nobody else checks)', async () => {
    const { started, remote } = await fleet('kill-all', 1);
    const counter = join(dir, 'kill-all');
    const { result, afterKillMs } = await runAndKill(remote, sideEffect(counter), started);
    expect(expectError(result, 'crashed').error.reason).toBe('lost');
    expect(afterKillMs).toBeLessThan(LOCK_MS + 1_000 + MARGIN_MS);
    expect(readFileSync(counter, 'utf8')).toBe('x');
  }, 60_000);

  it('an executor frozen (SIGSTOP) past its lock: the caller gets crashed/lost; thawed, the executor aborts that run instead of finishing it for nobody, and takes runs again', async () => {
    const { started, remote } = await fleet('freeze', 1);
    const [executor] = started;
    if (executor === undefined) throw new Error('no executor');
    const counter = join(dir, 'freeze');
    // "late" would be written 12 s after the start, well after the thaw.
    const code = `const fs = require("node:fs"); fs.appendFileSync(${JSON.stringify(counter)}, "start "); console.log("go");
      await new Promise((r) => setTimeout(r, 12_000)); fs.appendFileSync(${JSON.stringify(counter)}, "late"); "finished"`;
    let frozenAt = 0;
    const result = await remote.run(code, {
      onOutput: () => {
        executor.kill('SIGSTOP');
        frozenAt = performance.now();
      },
    });
    expect(expectError(result, 'crashed').error.reason).toBe('lost');
    expect(performance.now() - frozenAt).toBeLessThan(LOCK_MS + 1_000 + MARGIN_MS);
    executor.kill('SIGCONT');
    // Its lock renewal (every LOCK_MS / 2) now fails: the run is aborted; the slot serves the next run.
    expect(expectOk(await remote.run('"after the thaw"', { queueTimeout: 10_000 })).result).toBe('after the thaw');
    await sleep(12_000 - (performance.now() - frozenAt) + 1_000);
    expect(readFileSync(counter, 'utf8')).toBe('start ');
    expect(executor.log()).toMatch(/the job is gone from Redis: its run is aborted/);
  }, 60_000);

  it('retries: 1 opts in to running a lost run again: the survivor runs it to the end', async () => {
    const { started, remote } = await fleet('retry', 2, { retries: 1 });
    const counter = join(dir, 'retry');
    const code = `const fs = require("node:fs"); fs.appendFileSync(${JSON.stringify(counter)}, "x"); console.log(process.pid);
      const n = fs.readFileSync(${JSON.stringify(counter)}, "utf8").length; if (n === 1) await new Promise((r) => setTimeout(r, 60_000)); n`;
    const { result, victim } = await runAndKill(remote, code, started);
    const survivor = started.find((executor) => executor !== victim);
    const ran = expectOk(result);
    expect(ran.result).toBe(2);
    // The output of the attempt that finished (the first one's died with it).
    expect(ran.output).toBe(`${String(survivor?.pid)}\n`);
    expect(readFileSync(counter, 'utf8')).toBe('xx');
  }, 60_000);

  it('SIGTERM drains: the running run finishes and is delivered, the executor exits 0, the other takes what follows', async () => {
    const { started, remote } = await fleet('drain', 2);
    let stopped: Executor | undefined;
    const result = await remote.run('console.log(process.pid); await new Promise((r) => setTimeout(r, 1_000)); "done"', {
      onOutput: (text) => {
        stopped ??= started.find(({ pid }) => pid === Number(text.trim()));
        stopped?.kill('SIGTERM');
      },
    });
    expect(expectOk(result).result).toBe('done');
    expect(stopped).toBeDefined();
    expect(await stopped?.exited).toBe(0);
    expect(stopped?.log()).toMatch(/stopping: no new runs/);
    const other = started.find((executor) => executor !== stopped);
    const after = await Promise.all([1, 2, 3].map(() => remote.run('process.pid')));
    for (const next of after) expect(expectOk(next).result).toBe(other?.pid);
  }, 60_000);

  it('a second signal aborts the running runs (their callers get aborted) and the executor still exits 0', async () => {
    const { started, remote } = await fleet('abort-on-second-signal', 1);
    const [executor] = started;
    if (executor === undefined) throw new Error('no executor');
    const pending = remote.run('console.log("running"); await new Promise((r) => setTimeout(r, 60_000))', {
      onOutput: () => {
        executor.kill('SIGTERM');
        setTimeout(() => executor.kill('SIGINT'), 300);
      },
    });
    const result = expectError(await pending, 'aborted');
    expect(result.output).toBe('running\n');
    expect(await executor.exited).toBe(0);
  }, 60_000);
});
