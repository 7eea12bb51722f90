/**
 * `repl-sandbox worker`: its flags become the executor's defaults, its
 * mistakes are usage errors (exit 2), and it waits for Redis and stops on a
 * signal with exit 0.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueueSandbox } from 'repl-sandbox/queue';
import { expectError, expectOk } from '../helpers.js';
import { useExecutors } from './executors.js';
import { REDIS_SERVER, startRedis, useRedis } from './redis.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-worker-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI at `entry` with `args` to its end (it must end by itself within 20 s). */
function runCli(entry: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `repl-sandbox worker ...args` to its end. */
function worker(args: readonly string[]): ReturnType<typeof runCli> {
  return runCli(cli, ['worker', ...args]);
}

/** Resolves once `done()` holds; fails after 20 s (a loaded CI machine starts Node slowly) with `log()`. */
async function until(done: () => boolean, log: () => string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`not within 20 s; the log:\n${log()}`);
    await sleep(50);
  }
}

describe.concurrent('repl-sandbox worker: help and usage errors', () => {
  it('--help lists the flags and exits 0', async () => {
    const { status, stdout } = await worker(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: repl-sandbox worker --redis <url>/);
    for (const flag of ['--redis', '--queue', '--prefix', '--concurrency', '--warm', '--isolation', '--memory-limit', '--timeout', '--max-output', '--setup-file', '--lock-duration']) {
      expect(stdout).toContain(flag);
    }
  });

  it.each([
    [[], /--redis <url> is required/],
    [['--redis', 'http://127.0.0.1:6379'], /--redis expects a redis:\/\/ or rediss:\/\/ URL, got 'http:\/\/127.0.0.1:6379'/],
    [['--redis', 'redis://x', '--concurrency', '0'], /--concurrency expects .*, got '0'/],
    [['--redis', 'redis://x', '--warm', 'two'], /--warm expects .*, got 'two'/],
    [['--redis', 'redis://x', '--lock-duration', '10'], /--lock-duration expects whole milliseconds from 1000 .*, got '10'/],
    [['--redis', 'redis://x', '--queue', 'a:b'], /--queue expects a non-empty string without ":", got 'a:b'/],
    [['--redis', 'redis://x', '--timeout', '-1'], /--timeout expects .*, got '-1'/],
    [['--redis', 'redis://x', '--isolation', 'vm'], /--isolation expects .*, got 'vm'/],
    [['--redis', 'redis://x', '--network'], /--network, --read and --write need --isolation confined/],
    [['--redis', 'redis://x', '--timout', '5'], /Unknown option '--timout' \(did you mean --timeout\?\)/],
    [['--redis', 'redis://x', '1 + 1'], /takes its code from the queue/],
    [['--redis', 'redis://x', '--setup-file', '/nonexistent/setup.js'], /--setup-file: cannot read '\/nonexistent\/setup.js'/],
  ])('%j: exit 2 with the reason and the usage line', async (args, message) => {
    const { status, stderr } = await worker(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: repl-sandbox worker [options]');
  });
});

describe('repl-sandbox worker without its optional peers', () => {
  it('says to install bullmq and ioredis and exits 2; the rest of the command line still works', async () => {
    // The package as a user has it without bullmq: dist/ and package.json copied, every other dependency linked.
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const installed = join(dir, 'without-bullmq');
    mkdirSync(join(installed, 'node_modules'), { recursive: true });
    cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(installed, 'package.json'));
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'bullmq' && !name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(installed, 'node_modules', name));
    }
    const run = (args: readonly string[]): ReturnType<typeof runCli> => runCli(join(installed, 'dist', 'cli.js'), args);
    const missing = await run(['worker', '--redis', 'redis://127.0.0.1:1']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^repl-sandbox worker needs bullmq, an optional peer dependency: install bullmq and ioredis\n {2}npm install bullmq ioredis/);
    expect(await run(['6 * 7'])).toMatchObject({ status: 0, stdout: '=> 42\n' });
  });
});

describe.skipIf(REDIS_SERVER === undefined)('repl-sandbox worker with Redis', () => {
  const redis = useRedis();
  const executors = useExecutors();

  it('its flags are the defaults of the runs it takes (timeout, maxOutput, setup, isolation); a run own options win', async () => {
    const setup = join(dir, 'setup.js');
    writeFileSync(setup, 'globalThis.greet = (name) => `hello ${name}`;');
    const args = ['--queue', 'flags', '--isolation', 'context', '--timeout', '400', '--max-output', '20', '--setup-file', setup, '--concurrency', '1', '--warm', '1'];
    const executor = await executors.start(redis.server.url, args);
    const remote = createQueueSandbox({ connection: redis.server.url, queue: 'flags' });
    try {
      expect(expectOk(await remote.run('greet("fleet")')).result).toBe('hello fleet');
      // 'context': the code shares the executor's process, so it sees the executor's pid.
      expect(expectOk(await remote.run('process.pid')).result).toBe(executor.pid);
      const started = performance.now();
      const timedOut = expectError(await remote.run('while (true) {}'), 'timeout');
      expect(timedOut.error.message).toMatch(/400 ?ms/);
      expect(performance.now() - started).toBeLessThan(400 + 3_000);
      const capped = expectOk(await remote.run('console.log("x".repeat(100)); 1'));
      expect(capped.output).toMatch(/^x{20}/);
      expect(capped.output).toMatch(/truncated/i);
      expect(expectOk(await remote.run('await new Promise((r) => setTimeout(r, 600)); "slow"', { timeout: 5_000 })).result).toBe('slow');
      expect(expectOk(await remote.run('typeof greet', { setup: [] })).result).toBe('undefined');
    } finally {
      await remote.close();
    }
    executor.kill('SIGINT');
    expect(await executor.exited).toBe(0);
    expect(executor.log()).toMatch(/"msg":"executor stopped"/);
  }, 60_000);

  it('started before Redis is up, it waits, then takes runs; a signal while it waits exits 0', async () => {
    const later = await startRedis();
    await later.stop();
    const child = spawn(process.execPath, [cli, 'worker', '--redis', later.url, '--queue', 'late', '--warm', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
    try {
      await until(() => log.includes('Redis unavailable; reconnecting'), () => log);
      // Reconnection attempts go on for a while: still one warning.
      await sleep(500);
      // One warning per outage, not one per attempt.
      expect(log.match(/Redis unavailable/g)).toHaveLength(1);
      await later.restart();
      const remote = createQueueSandbox({ connection: later.url, queue: 'late' });
      try {
        expect(expectOk(await remote.run('6 * 7')).result).toBe(42);
      } finally {
        await remote.close();
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Stopped again with Redis down, still waiting: a signal ends it at once.
      await later.stop();
      const waiting = spawn(process.execPath, [cli, 'worker', '--redis', later.url, '--warm', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let waitingLog = '';
      waiting.stderr.setEncoding('utf8').on('data', (chunk: string) => (waitingLog += chunk));
      const waitingExited = new Promise<number | string>((resolve) => waiting.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
      await until(() => waitingLog.includes('Redis unavailable'), () => waitingLog);
      waiting.kill('SIGTERM');
      expect(await waitingExited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await later.stop();
    }
  }, 60_000);
});
