import { sleep, throughput } from '../measure.js';
import { median, round } from '../stats.js';
import { bareWorker } from './bare-worker.js';
import { sandboxWarm } from './sandbox.js';
import type { Engine, ScenarioContext } from './types.js';

interface PairedConfig {
  readonly engine: 'bare-worker' | 'sandbox-warm';
  readonly concurrency: number;
}

export interface PairedRound {
  /** calls/s per `${engine} c${concurrency}`. */
  readonly callsPerSec: Record<string, number>;
  /** Machine CPU used by others during the round, % of all cores. */
  readonly otherCpuPercent: number | null;
  readonly warmC8OverBestBare: number;
  readonly warmC8OverWarmC2: number;
}

export interface PairedResult {
  readonly kind: 'paired';
  readonly description: string;
  readonly windowMs: number;
  readonly rounds: readonly PairedRound[];
  /** Medians over the rounds of the per-round ratios. */
  readonly warmC8OverBestBare: number;
  readonly warmC8OverWarmC2: number;
  /** Median calls/s per configuration. */
  readonly medianCallsPerSec: Record<string, number>;
}

const CONFIGS: readonly PairedConfig[] = [
  { engine: 'bare-worker', concurrency: 1 },
  { engine: 'sandbox-warm', concurrency: 2 },
  { engine: 'bare-worker', concurrency: 2 },
  { engine: 'sandbox-warm', concurrency: 8 },
  { engine: 'bare-worker', concurrency: 8 },
];

const key = (config: PairedConfig): string => `${config.engine} c${config.concurrency}`;

/**
 * The throughput ratios the project targets, measured robustly on a noisy
 * machine: short windows of bare-worker and sandbox-warm alternate, in an
 * order rotated every round, so a neighbour's burst of CPU hits both sides;
 * each ratio is taken within a round, and the median over rounds is reported.
 */
export async function runPaired(context: ScenarioContext): Promise<PairedResult> {
  const { config, log } = context;
  const rounds = config.quick ? 2 : 4;
  const windowMs = config.quick ? 500 : 1000;
  const engines: Record<PairedConfig['engine'], Engine> = {
    'bare-worker': await bareWorker.create(context),
    'sandbox-warm': await sandboxWarm.create(context),
  };
  try {
    const results: PairedRound[] = [];
    for (let r = 0; r < rounds; r++) {
      log(`  round ${r + 1}/${rounds}: ${CONFIGS.length} windows of ${windowMs / 1000} s`);
      const callsPerSec: Record<string, number> = {};
      const other: number[] = [];
      for (let i = 0; i < CONFIGS.length; i++) {
        const item = CONFIGS[(i + r) % CONFIGS.length];
        if (item === undefined) continue;
        const engine = engines[item.engine];
        await sleep(config.settleMs / 2);
        await engine.ready?.();
        const measured = await throughput(engine.call, item.concurrency, windowMs);
        callsPerSec[key(item)] = measured.callsPerSec;
        if (measured.cpu !== null) other.push(measured.cpu.otherPercent);
      }
      const at = (engine: PairedConfig['engine'], concurrency: number): number => callsPerSec[key({ engine, concurrency })] ?? Number.NaN;
      const bestBare = Math.max(at('bare-worker', 1), at('bare-worker', 2), at('bare-worker', 8));
      results.push({
        callsPerSec,
        otherCpuPercent: other.length === 0 ? null : round(median(other)),
        warmC8OverBestBare: round(at('sandbox-warm', 8) / bestBare),
        warmC8OverWarmC2: round(at('sandbox-warm', 8) / at('sandbox-warm', 2)),
      });
    }
    return {
      kind: 'paired',
      description: `bare-worker (c1, c2, c8) and sandbox-warm (default options; c2, c8) in alternating ${windowMs / 1000} s windows, order rotated each round; ratios per round, then the median`,
      windowMs,
      rounds: results,
      warmC8OverBestBare: round(median(results.map((x) => x.warmC8OverBestBare))),
      warmC8OverWarmC2: round(median(results.map((x) => x.warmC8OverWarmC2))),
      medianCallsPerSec: Object.fromEntries(CONFIGS.map((c) => [key(c), round(median(results.map((x) => x.callsPerSec[key(c)] ?? Number.NaN)))])),
    };
  } finally {
    await Promise.all(Object.values(engines).map((engine) => engine.close()));
  }
}
