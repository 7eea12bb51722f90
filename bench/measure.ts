import { memoryUsage } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { type CpuShare, cpuWindow } from './cpu.js';
import { round, roundSummary, summarize, type Summary } from './stats.js';

export { sleep };

/** What one call tells the harness about itself, beyond its latency. */
export interface CallInfo {
  /** Whether the call had to wait for an isolate to boot (repl-sandbox only). */
  readonly waitedForBoot?: boolean;
  /** Milliseconds the run spent inside its isolate (setup + eval + serialize; repl-sandbox only). */
  readonly insideMs?: number;
}

/** One evaluation of the scenario's snippet, checked; rejects if the answer is wrong. */
export type Call = () => Promise<CallInfo | undefined>;

export interface SequentialResult {
  /** Calls made before the measured series and not counted. */
  readonly warmupCalls: number;
  /** Pause after each measured call, in ms. */
  readonly gapMs: number;
  readonly latencyMs: Summary;
  /** Share of measured calls that waited for a boot (null when the engine does not say). */
  readonly waitedForBootFraction: number | null;
  /** repl-sandbox only: time inside the isolate; the rest of the latency is the host, messaging and boot waits. */
  readonly insideIsolateMs: Summary | null;
  readonly cpu: CpuShare | null;
}

export interface ThroughputResult {
  /** Caller loops in flight at once. */
  readonly concurrency: number;
  readonly calls: number;
  /** From the start until the last loop's last call resolved (loops start no call past the window). */
  readonly elapsedMs: number;
  readonly callsPerSec: number;
  /** Latency of each call as its caller loop saw it, queueing included. */
  readonly latencyMs: Summary;
  readonly waitedForBootFraction: number | null;
  readonly cpu: CpuShare | null;
}

function fraction(waited: number, known: number, total: number): number | null {
  return known === 0 ? null : round(waited / total);
}

/** Latency of `calls` calls made one after another, `gapMs` apart. */
export async function sequential(
  call: Call,
  options: { calls: number; gapMs: number; warmupCalls: number; beforeSeries?: () => Promise<void> },
): Promise<SequentialResult> {
  for (let i = 0; i < options.warmupCalls; i++) await call();
  await options.beforeSeries?.();
  const latencies: number[] = [];
  const inside: number[] = [];
  let known = 0;
  let waited = 0;
  const cpu = cpuWindow();
  for (let i = 0; i < options.calls; i++) {
    const started = performance.now();
    const info = await call();
    latencies.push(performance.now() - started);
    if (info?.insideMs !== undefined) inside.push(info.insideMs);
    if (info?.waitedForBoot !== undefined) {
      known++;
      if (info.waitedForBoot) waited++;
    }
    if (options.gapMs > 0) await sleep(options.gapMs);
  }
  return {
    warmupCalls: options.warmupCalls,
    gapMs: options.gapMs,
    latencyMs: roundSummary(summarize(latencies)),
    waitedForBootFraction: fraction(waited, known, latencies.length),
    insideIsolateMs: inside.length === 0 ? null : roundSummary(summarize(inside)),
    cpu: cpu.stop(),
  };
}

/**
 * Calls per second over a window of `durationMs` with `concurrency` caller
 * loops, each awaiting its call before making the next.
 */
export async function throughput(call: Call, concurrency: number, durationMs: number): Promise<ThroughputResult> {
  const latencies: number[] = [];
  let known = 0;
  let waited = 0;
  const cpu = cpuWindow();
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const callStarted = performance.now();
      const info = await call();
      latencies.push(performance.now() - callStarted);
      if (info?.waitedForBoot !== undefined) {
        known++;
        if (info.waitedForBoot) waited++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - started;
  return {
    concurrency,
    calls: latencies.length,
    elapsedMs: round(elapsedMs),
    callsPerSec: round(latencies.length / (elapsedMs / 1000)),
    latencyMs: roundSummary(summarize(latencies)),
    waitedForBootFraction: fraction(waited, known, latencies.length),
    cpu: cpu.stop(),
  };
}

export function rss(): number {
  return memoryUsage.rss();
}

/** Samples the host's RSS every 50 ms (when the event loop lets it) to find the peak. */
export class RssSampler {
  #peak: number;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#peak = rss();
    this.#timer = setInterval(() => this.sample(), 50);
    this.#timer.unref();
  }

  sample(): void {
    this.#peak = Math.max(this.#peak, rss());
  }

  /** Stops sampling; the highest RSS seen, in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}

/**
 * Teardowns a baseline started and did not await (a call ends at its
 * message, as a repl-sandbox run ends at its result): `close()` awaits them.
 */
export function backgroundTeardowns(): { add(done: Promise<unknown>): void; settled(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  return {
    add(done) {
      pending.add(done);
      void done.finally(() => pending.delete(done));
    },
    async settled() {
      await Promise.all(pending);
    },
  };
}
