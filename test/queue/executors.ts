/**
 * Executor processes for the queue tests: `repl-sandbox worker` from the
 * built CLI, as an executor machine would run it, so that a test can kill one
 * (SIGKILL: the machine is gone) or stop it (SIGTERM: a deploy).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** How long an executor has to boot its warm isolates and say it takes runs. */
const START_TIMEOUT_MS = 20_000;

/** A running `repl-sandbox worker`. */
export interface Executor {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Its stderr so far: the JSON log lines. */
  log(): string;
  /** Resolves with its exit code (or signal) once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` (SIGKILL when none is given) unless it has exited. */
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<Executor>();

/**
 * Starts `repl-sandbox worker --redis <url> ...args` and resolves once it
 * logs that it takes runs; rejects with its log if it exits or takes longer
 * than 20 s.
 */
export async function startExecutor(url: string, args: readonly string[] = []): Promise<Executor> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log += chunk;
  });
  child.stdout?.resume();
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
  });
  const executor: Executor = {
    pid: child.pid ?? -1,
    child,
    log: () => log,
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  live.add(executor);
  void exited.then(() => live.delete(executor));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      executor.kill();
      reject(new Error(`executor did not start within ${START_TIMEOUT_MS} ms; its log:\n${log}`));
    }, START_TIMEOUT_MS);
    const onData = (): void => {
      if (!log.includes('executor taking runs')) return;
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      resolve();
    };
    child.stderr?.on('data', onData);
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`executor exited (${String(status)}) before it took runs; its log:\n${log}`));
    });
  });
  return executor;
}

/**
 * Executors for the enclosing file: each started by `start()` is SIGKILLed
 * after the file's tests (and when the test process exits) if still running.
 */
export function useExecutors(): { start: typeof startExecutor } {
  afterAll(async () => {
    const running = [...live];
    for (const executor of running) executor.kill('SIGKILL');
    await Promise.all(running.map((executor) => executor.exited));
  });
  return { start: startExecutor };
}

process.once('exit', () => {
  for (const executor of live) executor.kill('SIGKILL');
});
