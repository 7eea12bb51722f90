/**
 * The soak engine: thousands of mixed runs — ok, throw, timeout, crash
 * (process.exit), output flood, out-of-memory — at a fixed concurrency
 * against one sandbox of an isolation level. Every result is checked against
 * what its kind must give; at the end the sandbox must be idle, host RSS
 * growth bounded, and no child process or extra thread left.
 *
 * Lives with the tests, which may not import bench/: `test/soak.test.ts` runs
 * it with the library under test and a few hundred runs, and `bench/soak.ts`
 * (the command line) with a snapshot of dist/ and as many runs as asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
// Types only: the caller passes the library (see SoakLibrary).
import type { createSandbox, Isolation, RunResult, SandboxStats } from 'repl-sandbox';

/** The kinds of run in the mix, each with the result it must give. */
export const KINDS = ['ok', 'throw', 'timeout', 'crash', 'flood', 'oom'] as const;
export type Kind = (typeof KINDS)[number];

/** Which kind run `i` is: per 20 runs, 12 ok, 3 throw, 2 flood, 1 timeout, 1 crash, 1 out-of-memory. */
export function kindOf(i: number): Kind {
  const slot = i % 20;
  if (slot < 12) return 'ok';
  if (slot < 15) return 'throw';
  if (slot < 17) return 'flood';
  if (slot === 17) return 'timeout';
  if (slot === 18) return 'crash';
  return 'oom';
}

const FLOOD_LINES = 2_000;
const FLOOD_MAX_OUTPUT = 1_000;
const TIMEOUT_MS = 100;
/** Time any other run gets: far above what it needs, so that only `timeout` runs time out. */
const GENEROUS_MS = 20_000;

/** formatBytes of the library (`<1024` → `NB`, `<1 MiB` → one-decimal KB, else MB). */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${(Math.round((bytes / 1024) * 10) / 10).toFixed(1)}KB`;
  return `${(Math.round((bytes / (1024 * 1024)) * 10) / 10).toFixed(1)}MB`;
}

const FLOOD_TEXT = Array.from({ length: FLOOD_LINES }, (_, j) => `flood ${j}\n`).join('');
const FLOOD_OUTPUT = `${FLOOD_TEXT.slice(0, FLOOD_MAX_OUTPUT)}\n...(truncated, showing first ${formatBytes(FLOOD_MAX_OUTPUT)} of ${formatBytes(Buffer.byteLength(FLOOD_TEXT))})`;

interface RunSpec {
  readonly code: string;
  readonly options: { timeout: number; maxOutput?: number };
  /** Why the result is wrong for this kind, or undefined when it is right. */
  readonly check: (result: RunResult) => string | undefined;
}

function describe(result: RunResult): string {
  return JSON.stringify(result.ok ? { ok: true, result: result.result, output: result.output.slice(0, 200) } : { error: result.error, output: result.output.slice(0, 200) }, (_key, value: unknown) =>
    typeof value === 'bigint' ? String(value) : value,
  );
}

/** The code and the expected outcome of run `i`. */
export function specOf(i: number): RunSpec {
  const wrong = (result: RunResult, ok: boolean): string | undefined => (ok ? undefined : describe(result));
  switch (kindOf(i)) {
    case 'ok':
      return {
        code: `console.log("ok", ${i}); ${i} * 2`,
        options: { timeout: GENEROUS_MS },
        check: (r) => wrong(r, r.ok && r.result === i * 2 && r.output === `ok ${i}\n`),
      };
    case 'throw':
      return {
        code: `throw new TypeError("bad " + ${i})`,
        options: { timeout: GENEROUS_MS },
        check: (r) =>
          wrong(r, !r.ok && r.error.type === 'exception' && r.error.name === 'TypeError' && r.error.message === `bad ${i}` && r.error.phase === 'eval'),
      };
    case 'timeout':
      return {
        code: 'console.log("spinning"); for (;;) {}',
        options: { timeout: TIMEOUT_MS },
        // Under full load the 100 ms may run out before the code gets to print ('context'
        // counts a pool worker's restart in it): no output is right too, other output is not.
        check: (r) =>
          wrong(r, !r.ok && r.error.type === 'timeout' && r.error.timeout === TIMEOUT_MS && (r.output === 'spinning\n' || r.output === '')),
      };
    case 'crash':
      return {
        code: 'console.log("exiting"); process.exit(3)',
        options: { timeout: GENEROUS_MS },
        check: (r) =>
          wrong(r, !r.ok && r.error.type === 'crashed' && r.error.reason === 'exit' && r.error.exitCode === 3 && r.output === 'exiting\n'),
      };
    case 'flood':
      return {
        code: `for (let j = 0; j < ${FLOOD_LINES}; j++) console.log("flood " + j); "flooded"`,
        options: { timeout: GENEROUS_MS, maxOutput: FLOOD_MAX_OUTPUT },
        check: (r) => wrong(r, r.ok && r.result === 'flooded' && r.output === FLOOD_OUTPUT),
      };
    case 'oom':
      return {
        code: 'const keep = []; for (;;) keep.push({ i: keep.length, s: "x" + keep.length })',
        options: { timeout: GENEROUS_MS },
        check: (r) => wrong(r, !r.ok && r.error.type === 'crashed' && r.error.reason === 'out-of-memory'),
      };
  }
}

/** Live (non-zombie) child processes of this process (Linux; empty elsewhere). */
export function childProcesses(): number[] {
  if (process.platform !== 'linux') return [];
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z' && state !== 'X') children.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return children;
}

/** Threads of this process (Linux; 0 elsewhere): a Worker that was never joined keeps one. */
export function threadCount(): number {
  return process.platform === 'linux' ? readdirSync('/proc/self/task').length : 0;
}

const MB = 1024 * 1024;
const round1 = (n: number): number => Math.round(n * 10) / 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** The part of the package the soak needs. */
export interface SoakLibrary {
  readonly createSandbox: typeof createSandbox;
}

export interface SoakOptions {
  readonly isolation: Isolation;
  readonly runs: number;
  /** Runs in flight at once (the sandbox's concurrency too). @default 8 */
  readonly concurrency?: number;
  /** MB of heap per isolate; the out-of-memory runs hit it. @default 64 */
  readonly memoryLimit?: number;
  /** Spares kept booted. @default 2 */
  readonly warm?: number;
  /** Told every tenth of the way. */
  readonly onProgress?: (done: number, runs: number) => void;
  /** A full garbage collection of this process's heap (`gc` with --expose-gc), run before each heap reading. */
  readonly collectGarbage?: () => void;
}

export interface SoakReport {
  readonly isolation: Isolation;
  readonly runs: number;
  readonly concurrency: number;
  readonly memoryLimit: number;
  /** Runs per kind. */
  readonly kinds: Record<Kind, number>;
  /** What the runs gave: `ok`, `exception`, `timeout`, `crashed/exit`, `crashed/out-of-memory`… */
  readonly outcomes: Record<string, number>;
  /** Runs whose result was wrong for their kind. */
  readonly wrong: number;
  /** `timeout` runs that ended before the code printed its first line (the clock ran out under load). */
  readonly silentTimeouts: number;
  /** run() calls that rejected (never allowed). */
  readonly rejected: number;
  /** The first few wrong or rejected runs, for the log. */
  readonly failures: ReadonlyArray<{ readonly i: number; readonly kind: Kind; readonly got: string }>;
  readonly wallMs: number;
  readonly runsPerSec: number;
  readonly rssMb: { readonly before: number; readonly peak: number; readonly after: number; readonly afterClose: number; readonly growth: number };
  readonly statsAtEnd: SandboxStats;
  readonly statsAfterClose: SandboxStats;
  /** Child processes started during the soak and left after close() (and a grace period). */
  readonly childrenAfterClose: number;
  readonly threads: { readonly before: number; readonly afterClose: number };
  /** This process's own JS heap in use, after a full GC, when `collectGarbage` was given: what the sandbox's host side keeps. */
  readonly heapUsedMb?: { readonly before: number; readonly afterClose: number; readonly growth: number };
}

/** Runs the mix against one fresh sandbox and reports; never throws for a wrong result (see `wrong`). */
export async function runSoak(library: SoakLibrary, options: SoakOptions): Promise<SoakReport> {
  const { isolation, runs, concurrency = 8, memoryLimit = 64, warm = 2, onProgress, collectGarbage } = options;
  const heapUsed = (): number | undefined => {
    if (collectGarbage === undefined) return undefined;
    collectGarbage();
    return process.memoryUsage().heapUsed;
  };
  const threadsBefore = threadCount();
  // Children that were there before (e.g. tsx's esbuild service) are not the sandbox's.
  const childrenBefore = new Set(childProcesses());
  const newChildren = (): number[] => childProcesses().filter((pid) => !childrenBefore.has(pid));
  const sandbox = library.createSandbox({ isolation, concurrency, warm, memoryLimit });
  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  const outcomes: Record<string, number> = {};
  const failures: Array<{ i: number; kind: Kind; got: string }> = [];
  let wrong = 0;
  let rejected = 0;
  let silentTimeouts = 0;
  let closed = false;
  try {
    await sandbox.warmup();
    await sleep(200);
    const heapBefore = heapUsed();
    const before = process.memoryUsage().rss;
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    let next = 0;
    let done = 0;
    const step = Math.max(1, Math.floor(runs / 10));
    const loop = async (): Promise<void> => {
      for (let i = next++; i < runs; i = next++) {
        const kind = kindOf(i);
        kinds[kind]++;
        const spec = specOf(i);
        let problem: string | undefined;
        try {
          const result = await sandbox.run(spec.code, spec.options);
          const outcome = result.ok ? 'ok' : result.error.type === 'crashed' ? `crashed/${result.error.reason}` : result.error.type;
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (kind === 'timeout' && result.output === '') silentTimeouts++;
          problem = spec.check(result);
          if (problem !== undefined) wrong++;
        } catch (error) {
          rejected++;
          problem = `rejected: ${String(error)}`;
        }
        if (problem !== undefined && failures.length < 10) failures.push({ i, kind, got: problem });
        if (++done % step === 0) onProgress?.(done, runs);
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, loop));
    } finally {
      clearInterval(watch);
    }
    const wallMs = performance.now() - started;
    await sleep(200);
    const after = process.memoryUsage().rss;
    const statsAtEnd = sandbox.stats;
    // Held open: a 'process' sandbox's close() alone may leave nothing to keep this process alive.
    const hold = setInterval(() => {}, 1_000);
    await sandbox.close();
    clearInterval(hold);
    closed = true;
    const statsAfterClose = sandbox.stats;
    await eventually(() => newChildren().length === 0, 5_000);
    await eventually(() => threadCount() <= threadsBefore, 5_000);
    await sleep(200);
    const afterClose = process.memoryUsage().rss;
    const heapAfterClose = heapUsed();
    return {
      isolation,
      runs,
      concurrency,
      memoryLimit,
      kinds,
      outcomes,
      wrong,
      rejected,
      silentTimeouts,
      failures,
      wallMs: Math.round(wallMs),
      runsPerSec: round1(runs / (wallMs / 1000)),
      rssMb: {
        before: round1(before / MB),
        peak: round1(peak / MB),
        after: round1(after / MB),
        afterClose: round1(afterClose / MB),
        growth: round1((after - before) / MB),
      },
      statsAtEnd,
      statsAfterClose,
      childrenAfterClose: newChildren().length,
      threads: { before: threadsBefore, afterClose: threadCount() },
      ...(heapBefore === undefined || heapAfterClose === undefined
        ? {}
        : {
            heapUsedMb: {
              before: round1(heapBefore / MB),
              afterClose: round1(heapAfterClose / MB),
              growth: round1((heapAfterClose - heapBefore) / MB),
            },
          }),
    };
  } finally {
    if (!closed) {
      const hold = setInterval(() => {}, 1_000);
      await sandbox.close();
      clearInterval(hold);
    }
  }
}
