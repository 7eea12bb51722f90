/** Sizes and durations of one benchmark run. */
export interface BenchConfig {
  readonly quick: boolean;
  /** Throughput window per concurrency level. */
  readonly durationMs: number;
  readonly concurrencyLevels: readonly number[];
  /** Unmeasured calls before each sequential series. */
  readonly warmupCalls: number;
  readonly sequentialCalls: number;
  /** Pause after each sequential call, so warm spares can refill. */
  readonly gapMs: number;
  /** A second, shorter series for sandbox-warm with a gap long enough for spares to be ready. */
  readonly settledCalls: number;
  readonly settledGapMs: number;
  /** Pause before reading RSS after a scenario, and between phases. */
  readonly settleMs: number;
  readonly outputBytes: number;
  readonly outputLineBytes: number;
  readonly outputRepetitions: number;
  readonly largeResultRows: number;
  readonly largeResultRepetitions: number;
  readonly largeResultGapMs: number;
  readonly soakRuns: number;
}

export function benchConfig(quick: boolean, durationSeconds: number | undefined): BenchConfig {
  return {
    quick,
    durationMs: (durationSeconds ?? (quick ? 1 : 3)) * 1000,
    concurrencyLevels: [1, 2, 8],
    warmupCalls: quick ? 2 : 5,
    sequentialCalls: quick ? 60 : 200,
    // Two boots in parallel take ~30–35 ms each on 2 cores: 50 ms lets a spare refill.
    gapMs: 50,
    settledCalls: quick ? 15 : 40,
    settledGapMs: 250,
    settleMs: quick ? 250 : 500,
    outputBytes: (quick ? 5 : 20) * 1024 * 1024,
    outputLineBytes: 1024,
    outputRepetitions: quick ? 1 : 3,
    largeResultRows: 10_000,
    largeResultRepetitions: quick ? 5 : 15,
    largeResultGapMs: 250,
    soakRuns: quick ? 300 : 2000,
  };
}
