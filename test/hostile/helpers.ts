/**
 * Shared checks of the hostile-input suite: the host is still healthy after a
 * case, and nothing leaked (stats idle, no stray child processes, no live
 * grandchild). Linux-only where it reads /proc; the suite skips those checks
 * elsewhere.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { createSandbox, type Isolation, type Sandbox, type SandboxOptions } from 'repl-sandbox';
import { expectOk } from '../helpers.js';

export const ON_LINUX = process.platform === 'linux';

/**
 * The built package's entry, for scripts that run a whole host in a child
 * process. `REPL_SANDBOX_DIST_ENTRY` points them at another build (with a
 * vitest alias for 'repl-sandbox' to match), e.g. a snapshot of dist/.
 */
export const DIST_ENTRY = process.env.REPL_SANDBOX_DIST_ENTRY ?? fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Marks the command line of a `'process'` isolate, or of the bubblewrap that starts a `'confined'` one (the sandbox's own children). */
const HARNESS_MARKER = 'harness/process.cjs';

const MB = 1024 * 1024;

export function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

/** Runs `action`, sampling host RSS every 20 ms; resolves with the peak growth in MB (after `settleMs`). */
export async function peakRssGrowth(action: () => Promise<void>, settleMs = 0): Promise<number> {
  const before = rssMb();
  let peak = before;
  const watch = setInterval(() => (peak = Math.max(peak, rssMb())), 20);
  try {
    await action();
  } finally {
    clearInterval(watch);
  }
  if (settleMs > 0) await sleep(settleMs);
  return peak - before;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process as /proc shows it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** R, S, D, Z (zombie), X (dead)… */
  readonly state: string;
  readonly cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? '?', cmdline };
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) children of `parent`, read from /proc. */
export function childrenOf(parent = process.pid): ProcInfo[] {
  if (!ON_LINUX) return [];
  const children: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info !== undefined && info.ppid === parent && info.state !== 'Z' && info.state !== 'X') children.push(info);
  }
  return children;
}

/** Children of this process that are not `'process'` (or `'confined'`) isolates of a sandbox. */
export function strayChildren(): ProcInfo[] {
  return childrenOf().filter((child) => !child.cmdline.includes(HARNESS_MARKER));
}

/**
 * Whether `pid` still runs. A killed process whose new parent has not reaped
 * it yet is a zombie: it answers `kill(pid, 0)` but runs nothing, so it
 * counts as dead here.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  const state = ON_LINUX ? readProc(pid)?.state : 'S';
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Polls `condition` until it holds or `ms` pass; returns its last answer. */
export async function eventually(condition: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}

/**
 * The host survived and nothing is left over: the sandbox evaluates the next
 * run correctly, its stats are idle, and no child process other than warm
 * `'process'` spares is left behind.
 */
export async function expectHealthy(sandbox: Sandbox): Promise<void> {
  const next = expectOk(await sandbox.run('1 + 1', { timeout: 10_000 }));
  expect(next.result).toBe(2);
  expect(next.output).toBe('');
  expect(sandbox.stats).toMatchObject({ running: 0, queued: 0 });
  expect(await eventually(() => strayChildren().length === 0)).toBe(true);
}

/**
 * Sandboxes of one isolation level for one describe block. After its tests
 * they are closed, and then not a single child process may remain.
 */
export function hostileSandboxes(isolation: Isolation): (options?: SandboxOptions) => Sandbox {
  const sandboxes: Sandbox[] = [];
  afterAll(async () => {
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    for (const sandbox of sandboxes) expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, warm: 0 });
    const ok = await eventually(() => childrenOf().length === 0);
    expect(ok ? [] : childrenOf()).toEqual([]);
  });
  return (options) => {
    const sandbox = createSandbox({ isolation, warm: 1, ...options });
    sandboxes.push(sandbox);
    return sandbox;
  };
}

/** What a host script run in a child process did. */
export interface HostScriptResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `body` as an ES module in a child node process that imports the built
 * package as `createSandbox`: for cases that may take the whole host down,
 * which must not be the test runner.
 */
export function runHostScript(body: string, timeoutMs = 30_000): Promise<HostScriptResult> {
  const source = `import { createSandbox } from ${JSON.stringify(DIST_ENTRY)};\n${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    // Only the head matters; a V8 abort prints a long native stack.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(0, 8_192)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** A RunResult reduced to what a child host prints of it. */
export interface ResultSummary {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly inspected?: string;
  readonly error?: { type: string; reason?: string; exitCode?: number; name?: string; message: string };
}

/** What happened to a host that ran one hostile run and then `1 + 1`, in a child process. */
export interface ChildHostOutcome extends HostScriptResult {
  /** The hostile run's result, if the host lived to print it. */
  readonly first?: ResultSummary;
  /** The following `1 + 1`, if the host lived to print it. */
  readonly next?: ResultSummary;
  /** How long the hostile run took, measured in the child host. */
  readonly elapsedMs?: number;
  /** The child host's peak RSS growth during the hostile run (threads share it), sampled every 20 ms. */
  readonly peakGrowthMb?: number;
}

/** Options of {@link runInChildHost}. */
export interface ChildHostOptions {
  readonly memoryLimit?: number;
  readonly timeout?: number;
  /** More options of the child host's sandbox. */
  readonly sandbox?: object;
  /** How to start the child host (default {@link runHostScript}). */
  readonly runner?: (body: string) => Promise<HostScriptResult>;
}

/**
 * Runs `code` on a sandbox of `isolation` inside a child node process (the
 * host), then `1 + 1`, and reports what the host printed, how long the
 * hostile run took and how far the host's RSS grew meanwhile, and how the
 * host ended. For cases that may take the host down.
 */
export async function runInChildHost(isolation: Isolation, code: string, options: ChildHostOptions = {}): Promise<ChildHostOutcome> {
  const sandboxOptions = { isolation, warm: 0, ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }), ...options.sandbox };
  const child = await (options.runner ?? runHostScript)(`
    const sandbox = createSandbox(${JSON.stringify(sandboxOptions)});
    const summarize = (r) => r.ok
      ? { ok: true, result: r.result, inspected: r.inspected }
      : { ok: false, error: { type: r.error.type, reason: r.error.reason, exitCode: r.error.exitCode, name: r.error.name, message: r.error.message } };
    const rss = () => process.memoryUsage().rss;
    const before = rss();
    let peak = before;
    const watch = setInterval(() => { peak = Math.max(peak, rss()) }, 20);
    const started = Date.now();
    const first = await sandbox.run(${JSON.stringify(code)}, { timeout: ${options.timeout ?? 5_000} });
    const elapsedMs = Date.now() - started;
    clearInterval(watch);
    peak = Math.max(peak, rss());
    process.stdout.write('FIRST ' + JSON.stringify(summarize(first)) + '\\n');
    process.stdout.write('MEASURED ' + JSON.stringify({ elapsedMs, peakGrowthMb: (peak - before) / 1048576 }) + '\\n');
    const next = await sandbox.run('1 + 1', { timeout: 10_000 });
    process.stdout.write('NEXT ' + JSON.stringify(summarize(next)) + '\\n');
    // Held open: close() alone may leave nothing to keep this host alive.
    const hold = setInterval(() => {}, 1_000);
    await sandbox.close();
    clearInterval(hold);
    process.exit(0);
  `);
  const line = <T>(tag: string): T | undefined => {
    const found = child.stdout.split('\n').find((l) => l.startsWith(`${tag} `));
    return found === undefined ? undefined : (JSON.parse(found.slice(tag.length + 1)) as T);
  };
  const measured = line<{ elapsedMs: number; peakGrowthMb: number }>('MEASURED');
  return { ...child, first: line('FIRST'), next: line('NEXT'), ...measured };
}

/** Deterministic PRNG (mulberry32): the same seed gives the same inputs on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `\n...(truncated, showing first 48.8KB of …)`: the note of a run that printed past the default cap. */
export const DEFAULT_CAP_NOTE = /\n\.\.\.\(truncated, showing first 48\.8KB of \d+(\.\d)?(KB|MB)\)$/;
