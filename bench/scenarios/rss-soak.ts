import { performance } from 'node:perf_hooks';
import type { SandboxStats } from 'repl-sandbox';
import { rss, sleep } from '../measure.js';
import { round, toMb } from '../stats.js';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { ScenarioContext } from './types.js';

export interface RssSoakResult {
  readonly kind: 'rss-soak';
  readonly description: string;
  readonly runs: number;
  /** Unmeasured runs first, so the baseline is a sandbox in steady state (and earlier scenarios' garbage had a chance to go). */
  readonly warmupRuns: number;
  readonly elapsedMs: number;
  readonly runsPerSec: number;
  /** After the warm-up runs and a settle, before the first measured run. */
  readonly rssBeforeMb: number;
  /** After the last run and a settle, before close(). */
  readonly rssAfterMb: number;
  readonly rssGrowthMb: number;
  /** RSS after every tenth of the runs: a leak climbs steadily, noise does not. */
  readonly rssTrailMb: readonly number[];
  readonly statsAtEnd: SandboxStats;
  readonly statsAfterClose: SandboxStats;
}

/** (f) Host RSS growth over many sequential warm runs (no global.gc: RSS read after a settle). */
export async function runRssSoak(context: ScenarioContext): Promise<RssSoakResult> {
  const { config, library, log } = context;
  const sandbox = library.createSandbox();
  let closed = false;
  try {
    await sandbox.warmup();
    const warmupRuns = Math.min(100, Math.ceil(config.soakRuns / 10));
    log(`  ${warmupRuns} warm-up runs`);
    for (let i = 0; i < warmupRuns; i++) {
      const result = await sandbox.run(TRIVIAL_SNIPPET);
      if (!result.ok) throw new Error(`rss-soak warm-up run failed: ${JSON.stringify(result.error)}`);
    }
    await sleep(config.settleMs * 2);
    const before = rss();
    const trail: number[] = [];
    const every = Math.max(1, Math.floor(config.soakRuns / 10));
    log(`  ${config.soakRuns} sequential runs`);
    const started = performance.now();
    for (let i = 1; i <= config.soakRuns; i++) {
      const result = await sandbox.run(TRIVIAL_SNIPPET);
      if (!result.ok) throw new Error(`rss-soak run ${i} failed: ${JSON.stringify(result.error)}`);
      checkTrivial('rss-soak', result.output, result.result);
      if (i % every === 0) trail.push(toMb(rss()));
    }
    const elapsedMs = performance.now() - started;
    await sleep(config.settleMs * 2);
    const after = rss();
    const statsAtEnd = sandbox.stats;
    await sandbox.close();
    closed = true;
    return {
      kind: 'rss-soak',
      description: 'sandbox-warm (default options): sequential runs of the trivial snippet, no gap, after unmeasured warm-up runs',
      runs: config.soakRuns,
      warmupRuns,
      elapsedMs: round(elapsedMs),
      runsPerSec: round(config.soakRuns / (elapsedMs / 1000)),
      rssBeforeMb: toMb(before),
      rssAfterMb: toMb(after),
      rssGrowthMb: toMb(after - before),
      rssTrailMb: trail,
      statsAtEnd,
      statsAfterClose: sandbox.stats,
    };
  } finally {
    if (!closed) await sandbox.close();
  }
}
