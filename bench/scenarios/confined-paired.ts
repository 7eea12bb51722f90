import { sequential, sleep, throughput } from '../measure.js';
import { median, round } from '../stats.js';
import { confinedWarm, processWarm } from './sandbox.js';
import type { Engine, ScenarioContext } from './types.js';

type Level = 'process' | 'confined';

export interface ConfinedPairedRound {
  /** Warm p50 latency (ms) of calls one after another, a gap apart so a spare is always ready. */
  readonly p50Ms: Record<Level, number>;
  /** calls/s per `${level} c${concurrency}`. */
  readonly callsPerSec: Record<string, number>;
  readonly p50ConfinedOverProcess: number;
  readonly c8ConfinedOverProcess: number;
}

export interface ConfinedPairedResult {
  readonly kind: 'confined-paired';
  readonly description: string;
  readonly rounds: readonly ConfinedPairedRound[];
  /** Medians over rounds of the per-round ratios: the targets are p50 ≤ 1.5 and c8 ≥ 0.8. */
  readonly p50ConfinedOverProcess: number;
  readonly c8ConfinedOverProcess: number;
  readonly medianP50Ms: Record<Level, number>;
  readonly medianCallsPerSec: Record<string, number>;
}

const LEVELS: readonly Level[] = ['process', 'confined'];
const CONCURRENCIES = [1, 2, 8] as const;

/**
 * What bubblewrap costs over a plain child process: `'process'` and
 * `'confined'` sandboxes measured in alternating windows (order swapped each
 * round), warm p50 and throughput at c1, c2 and c8; each ratio taken within
 * a round, then the median over rounds.
 */
export async function runConfinedPaired(context: ScenarioContext): Promise<ConfinedPairedResult> {
  const { config, log } = context;
  const rounds = config.quick ? 2 : 4;
  const windowMs = config.quick ? 1000 : 2000;
  const calls = config.quick ? 20 : 40;
  const engines: Record<Level, Engine> = { process: await processWarm.create(context), confined: await confinedWarm.create(context) };
  try {
    const results: ConfinedPairedRound[] = [];
    for (let r = 0; r < rounds; r++) {
      log(`  round ${r + 1}/${rounds}`);
      const order = r % 2 === 0 ? LEVELS : [...LEVELS].reverse();
      const p50Ms = {} as Record<Level, number>;
      const callsPerSec: Record<string, number> = {};
      for (const level of order) {
        const engine = engines[level];
        await sleep(config.settleMs);
        await engine.ready?.();
        // A gap longer than a boot, so every call finds a spare: the warm path, not the boot.
        p50Ms[level] = (await sequential(engine.call, { calls, gapMs: 150, warmupCalls: 2, beforeSeries: engine.ready })).latencyMs.p50;
      }
      for (const concurrency of CONCURRENCIES) {
        for (const level of order) {
          const engine = engines[level];
          await sleep(config.settleMs / 2);
          await engine.ready?.();
          callsPerSec[`${level} c${concurrency}`] = (await throughput(engine.call, concurrency, windowMs)).callsPerSec;
        }
      }
      results.push({
        p50Ms,
        callsPerSec,
        p50ConfinedOverProcess: round(p50Ms.confined / p50Ms.process),
        c8ConfinedOverProcess: round((callsPerSec['confined c8'] ?? Number.NaN) / (callsPerSec['process c8'] ?? Number.NaN)),
      });
    }
    const keys = CONCURRENCIES.flatMap((c) => LEVELS.map((level) => `${level} c${c}`));
    return {
      kind: 'confined-paired',
      description: `'process' and 'confined' (default options) alternating: warm p50 of ${calls} calls 150 ms apart, then ${windowMs / 1000} s throughput windows at c1, c2, c8; order swapped each round; ratios per round, then the median`,
      rounds: results,
      p50ConfinedOverProcess: round(median(results.map((x) => x.p50ConfinedOverProcess))),
      c8ConfinedOverProcess: round(median(results.map((x) => x.c8ConfinedOverProcess))),
      medianP50Ms: { process: round(median(results.map((x) => x.p50Ms.process))), confined: round(median(results.map((x) => x.p50Ms.confined))) },
      medianCallsPerSec: Object.fromEntries(keys.map((k) => [k, round(median(results.map((x) => x.callsPerSec[k] ?? Number.NaN)))])),
    };
  } finally {
    await Promise.all(Object.values(engines).map((engine) => engine.close()));
  }
}
