import { performance } from 'node:perf_hooks';
import { sleep } from '../measure.js';
import { MB, round, roundSummary, summarize, type Summary } from '../stats.js';
import type { ScenarioContext } from './types.js';

interface OutputVariant {
  /** 'Infinity' (keep all) or the sandbox default (50 000 bytes). */
  readonly maxOutput: 'Infinity' | 'default';
  /** Bytes the code printed. */
  readonly printedBytes: number;
  /** Bytes of `output` the host got back (the cap and its note when capped). */
  readonly returnedBytes: number;
  readonly elapsedMs: Summary;
  /** Printed MB (MiB) per second of the run's wall clock, at the median elapsed time. */
  readonly mbPerSec: number;
  /** The worker's own evaluation time (timings.evalMs), median. */
  readonly evalMs: number | null;
}

export interface OutputThroughputResult {
  readonly kind: 'output-throughput';
  readonly description: string;
  readonly lineBytes: number;
  readonly variants: readonly OutputVariant[];
}

/** Code that prints `total` bytes in lines of `lineBytes` (newline included). */
function printingCode(total: number, lineBytes: number): string {
  const lines = Math.floor(total / lineBytes);
  return `const line = 'x'.repeat(${lineBytes - 1}); for (let i = 0; i < ${lines}; i++) console.log(line); ${lines}`;
}

/** (d) MB/s of console output captured by repl-sandbox, uncapped and under the default cap. */
export async function runOutputThroughput(context: ScenarioContext): Promise<OutputThroughputResult> {
  const { config, library, log } = context;
  const code = printingCode(config.outputBytes, config.outputLineBytes);
  const printedBytes = Math.floor(config.outputBytes / config.outputLineBytes) * config.outputLineBytes;
  const variants: OutputVariant[] = [];
  for (const maxOutput of [Infinity, 'default'] as const) {
    const sandbox = library.createSandbox({ timeout: 120_000, ...(maxOutput === 'default' ? {} : { maxOutput }) });
    try {
      await sandbox.warmup();
      const elapsed: number[] = [];
      const evalMs: number[] = [];
      let returnedBytes = 0;
      for (let i = 0; i < config.outputRepetitions; i++) {
        await sandbox.warmup();
        log(`  printing ${round(printedBytes / MB)} MB, maxOutput ${String(maxOutput)} (${i + 1}/${config.outputRepetitions})`);
        const started = performance.now();
        const result = await sandbox.run(code);
        elapsed.push(performance.now() - started);
        if (!result.ok) throw new Error(`output-throughput run failed: ${JSON.stringify(result.error)}`);
        returnedBytes = Buffer.byteLength(result.output);
        if (maxOutput === Infinity && returnedBytes !== printedBytes) {
          throw new Error(`output-throughput: printed ${printedBytes} bytes, got ${returnedBytes}`);
        }
        if (result.timings.evalMs !== undefined) evalMs.push(result.timings.evalMs);
        await sleep(config.settleMs);
      }
      const summary = summarize(elapsed);
      variants.push({
        maxOutput: maxOutput === Infinity ? 'Infinity' : 'default',
        printedBytes,
        returnedBytes,
        elapsedMs: roundSummary(summary),
        mbPerSec: round(printedBytes / MB / (summary.p50 / 1000)),
        evalMs: evalMs.length === 0 ? null : round(summarize(evalMs).p50),
      });
    } finally {
      await sandbox.close();
    }
  }
  return {
    kind: 'output-throughput',
    description: `code printing ${round(printedBytes / MB)} MB in ${config.outputLineBytes}-byte console.log lines; elapsed = run() call to result on the host`,
    lineBytes: config.outputLineBytes,
    variants,
  };
}
