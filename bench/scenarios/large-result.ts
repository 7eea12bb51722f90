import { performance } from 'node:perf_hooks';
import { sleep } from '../measure.js';
import { round, roundSummary, summarize, type Summary } from '../stats.js';
import type { ScenarioContext } from './types.js';

interface ResultVariant {
  readonly returns: 'rows' | 'null';
  readonly elapsedMs: Summary;
  /** Medians of the run's own timings, in the worker. */
  readonly evalMs: number | null;
  readonly serializeMs: number | null;
  /** Median of elapsed − (setup + eval + serialize): the host's side, messaging and teardown. */
  readonly outsideIsolateMs: number | null;
  readonly waitedForBootFraction: number;
}

export interface LargeResultResult {
  readonly kind: 'large-result';
  readonly description: string;
  readonly rows: number;
  /** JSON.stringify of the value the host received, in bytes: the value's rough size. */
  readonly jsonBytes: number;
  readonly variants: readonly ResultVariant[];
  /** Median cost of returning the value: p50(rows) − p50(null). */
  readonly returnCostMs: number;
}

function rowsCode(rows: number, returns: 'rows' | 'null'): string {
  return [
    'const base = Date.UTC(2024, 0, 1);',
    `const rows = Array.from({ length: ${rows} }, (_, i) => ({`,
    "  id: i, name: 'row-' + i, email: 'user' + i + '@example.com', score: i * 1.5,",
    "  active: i % 2 === 0, createdAt: new Date(base + i * 60000), tags: ['alpha', 'beta'],",
    '}));',
    returns === 'rows' ? 'rows' : 'null',
  ].join('\n');
}

function checkRows(value: unknown, rows: number): void {
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  const ok =
    Array.isArray(value) &&
    value.length === rows &&
    typeof first === 'object' &&
    first !== null &&
    (first as { createdAt?: unknown }).createdAt instanceof Date;
  if (!ok) throw new Error('large-result: the value did not arrive as an array of rows with Dates');
}

/**
 * (e) Time to return ~1 MB of structured data (rows with a Date, strings,
 * numbers) against the same code returning null. Calls alternate and are
 * spaced so that a warm spare is ready for each.
 */
export async function runLargeResult(context: ScenarioContext): Promise<LargeResultResult> {
  const { config, library, log } = context;
  const sandbox = library.createSandbox();
  try {
    await sandbox.warmup();
    const samples = { rows: [] as number[], null: [] as number[] };
    const evalMs = { rows: [] as number[], null: [] as number[] };
    const serializeMs = { rows: [] as number[], null: [] as number[] };
    const outsideMs = { rows: [] as number[], null: [] as number[] };
    const waited = { rows: 0, null: 0 };
    let jsonBytes = 0;
    log(`  ${config.largeResultRepetitions} × (rows, null), ${config.largeResultGapMs} ms apart`);
    for (let i = 0; i < config.largeResultRepetitions + 1; i++) {
      for (const returns of ['rows', 'null'] as const) {
        const started = performance.now();
        const result = await sandbox.run(rowsCode(config.largeResultRows, returns));
        const elapsed = performance.now() - started;
        if (!result.ok) throw new Error(`large-result run failed: ${JSON.stringify(result.error)}`);
        if (returns === 'rows') {
          checkRows(result.result, config.largeResultRows);
          jsonBytes = Buffer.byteLength(JSON.stringify(result.result));
        } else if (result.result !== null) {
          throw new Error('large-result: expected null');
        }
        // The first round warms the host's code paths; it is not counted.
        if (i > 0) {
          samples[returns].push(elapsed);
          if (result.timings.evalMs !== undefined) evalMs[returns].push(result.timings.evalMs);
          if (result.timings.serializeMs !== undefined) serializeMs[returns].push(result.timings.serializeMs);
          if (result.timings.bootMs !== undefined) waited[returns]++;
          const { setupMs = 0, evalMs: inEval = 0, serializeMs: inSerialize = 0 } = result.timings;
          outsideMs[returns].push(elapsed - setupMs - inEval - inSerialize);
        }
        await sleep(config.largeResultGapMs);
      }
    }
    const median = (values: number[]): number | null => (values.length === 0 ? null : round(summarize(values).p50));
    const variants = (['rows', 'null'] as const).map((returns) => ({
      returns,
      elapsedMs: roundSummary(summarize(samples[returns])),
      evalMs: median(evalMs[returns]),
      serializeMs: median(serializeMs[returns]),
      outsideIsolateMs: median(outsideMs[returns]),
      waitedForBootFraction: round(waited[returns] / samples[returns].length),
    }));
    return {
      kind: 'large-result',
      description: `sandbox-warm (default options): code building ${config.largeResultRows} rows { id, name, email, score, active, createdAt: Date, tags } returning them vs returning null`,
      rows: config.largeResultRows,
      jsonBytes,
      variants,
      returnCostMs: round(summarize(samples.rows).p50 - summarize(samples.null).p50),
    };
  } finally {
    await sandbox.close();
  }
}
