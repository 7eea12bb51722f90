import { sequential, type SequentialResult, sleep, throughput, type ThroughputResult } from '../measure.js';
import type { EngineDefinition, ScenarioContext } from './types.js';

export interface EngineResult {
  readonly kind: 'engine';
  readonly description: string;
  readonly isolated: boolean;
  /** (a) latency of calls made one after another, a short gap apart. */
  readonly sequential: SequentialResult;
  /** (a') engines with warm spares only: the same with a gap long enough for the spares to be ready. */
  readonly sequentialSettled?: SequentialResult;
  /** (b) calls/s per concurrency level. */
  readonly throughput: readonly ThroughputResult[];
  readonly details?: Record<string, unknown>;
}

/** Sequential latency and throughput of one engine; the orchestrator adds RSS around it. */
export async function runEngineSuite(definition: EngineDefinition, context: ScenarioContext): Promise<EngineResult> {
  const { config, log } = context;
  const engine = await definition.create(context);
  try {
    log(`  sequential: ${config.sequentialCalls} calls, ${config.gapMs} ms apart`);
    const series = await sequential(engine.call, {
      calls: config.sequentialCalls,
      gapMs: config.gapMs,
      warmupCalls: config.warmupCalls,
      ...(engine.ready === undefined ? {} : { beforeSeries: engine.ready }),
    });
    let settled: SequentialResult | undefined;
    if (engine.ready !== undefined) {
      log(`  sequential (settled): ${config.settledCalls} calls, ${config.settledGapMs} ms apart`);
      settled = await sequential(engine.call, {
        calls: config.settledCalls,
        gapMs: config.settledGapMs,
        warmupCalls: 0,
        beforeSeries: engine.ready,
      });
    }
    const levels: ThroughputResult[] = [];
    for (const concurrency of config.concurrencyLevels) {
      await sleep(config.settleMs);
      await engine.ready?.();
      log(`  throughput: concurrency ${concurrency}, ${config.durationMs / 1000} s`);
      levels.push(await throughput(engine.call, concurrency, config.durationMs));
    }
    return {
      kind: 'engine',
      description: definition.description,
      isolated: definition.isolated,
      sequential: series,
      ...(settled === undefined ? {} : { sequentialSettled: settled }),
      throughput: levels,
      ...(engine.describe === undefined ? {} : { details: engine.describe() }),
    };
  } finally {
    await engine.close();
  }
}
