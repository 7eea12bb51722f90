/**
 * Orchestration: parse the command line, run the selected scenarios one
 * after another in this process against the BUILT package (dist/), print the
 * report. Progress goes to stderr; stdout carries only the report — one JSON
 * document with --json, markdown tables otherwise. Every run also keeps its
 * JSON and a chart in the results directory (--out, default bench/results).
 * Entered through index.ts.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE, UsageError } from './args.js';
import { chartData, renderChart } from './chart.js';
import { benchConfig } from './config.js';
import { cpuWindow } from './cpu.js';
import { loadLibrary } from './library.js';
import { currentLoadAvg, machineInfo } from './machine.js';
import { rss, RssSampler, sleep } from './measure.js';
import { type BenchDocument, computeRatios, renderMarkdown, type ScenarioOutcome } from './report.js';
import { selectScenarios } from './scenarios/index.js';
import type { ScenarioContext } from './scenarios/types.js';
import { TRIVIAL_SNIPPET } from './snippet.js';
import { round, toMb } from './stats.js';

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const DEFAULT_OUT = fileURLToPath(new URL('./results/', import.meta.url));

/**
 * Keeps the run: `bench-<start time>.json` (colons made dashes, for file
 * systems that refuse them), then `latest.json` and `latest.svg` overwritten,
 * so the last run's chart sits at a fixed path. Returns the files written.
 */
function writeResults(doc: BenchDocument, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const stamped = join(outDir, `bench-${doc.machine.date.replace(/:/g, '-')}.json`);
  writeFileSync(stamped, `${JSON.stringify(doc, null, 2)}\n`);
  const latest = join(outDir, 'latest.json');
  copyFileSync(stamped, latest);
  const chart = join(outDir, 'latest.svg');
  writeFileSync(chart, renderChart(chartData(doc)));
  return [stamped, latest, chart];
}

/** Runs the benchmark; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args;
  let scenarios;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    scenarios = selectScenarios(args.filters);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof Error)) throw error;
    log(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }

  const config = benchConfig(args.quick, args.durationSeconds);
  const machine = machineInfo();
  const { library, info, dispose } = await loadLibrary();
  if (info.stale) log(`bench: WARNING: dist/ (built ${info.distBuiltAt}) is older than src/ (changed ${info.newestSourceChange}); run \`npm run build\``);
  log(`bench: ${scenarios.map((s) => s.name).join(', ')} against a snapshot of ${info.snapshotOf} (${info.entry})${config.quick ? ' (quick)' : ''}`);

  const context: ScenarioContext = { library, config, log };
  const outcomes: Record<string, ScenarioOutcome> = {};
  const started = performance.now();
  try {
    for (const scenario of scenarios) {
      log(`▶ ${scenario.name}`);
      await sleep(config.settleMs);
      const before = rss();
      const sampler = new RssSampler();
      const cpu = cpuWindow();
      const scenarioStarted = performance.now();
      try {
        const result = await scenario.run(context);
        await sleep(config.settleMs);
        const after = rss();
        const peak = Math.max(sampler.stop(), after);
        outcomes[scenario.name] = {
          ok: true,
          elapsedSec: round((performance.now() - scenarioStarted) / 1000),
          rss: { beforeMb: toMb(before), afterMb: toMb(after), peakMb: toMb(peak), deltaMb: toMb(after - before) },
          cpu: cpu.stop(),
          result,
        };
      } catch (error) {
        sampler.stop();
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`✗ ${scenario.name} failed: ${message}`);
        outcomes[scenario.name] = { ok: false, elapsedSec: round((performance.now() - scenarioStarted) / 1000), error: message };
      }
    }
  } finally {
    dispose();
  }

  const doc: BenchDocument = {
    schema: 'repl-sandbox-bench/1',
    machine,
    library: info,
    hostExecArgv: process.execArgv,
    config: {
      ...config,
      snippet: TRIVIAL_SNIPPET,
      filters: args.filters,
      notes: [
        `Sequential latency: ${config.sequentialCalls} calls after ${config.warmupCalls} unmeasured ones, with a ${config.gapMs} ms pause after each call so warm spares can refill; "waited for boot" says how often a repl-sandbox run found no spare ready anyway. sandbox-warm also gets a "settled" series, ${config.settledGapMs} ms apart.`,
        `Throughput: N caller loops, each awaiting its call before the next, for ${config.durationMs / 1000} s per level; calls/s = calls ÷ time until the last call resolved. repl-sandbox keeps its DEFAULT options at every level (concurrency = warm = availableParallelism = ${machine.availableParallelism}): beyond that its FIFO queue holds the extra callers. sandbox-warm awaits warmup() before each level.`,
        'bare-worker: a call ends at the worker\'s message; terminate() completes in the background, as repl-sandbox tears its isolate down after resolving.',
        'bare-fork: child_process.fork() of a small CommonJS entry per call, no execArgv; a call ends at the child\'s IPC message and the kill completes in the background, like bare-worker.',
        'The library is loaded from a snapshot of dist/ copied to a temporary directory at start (removed at exit), so a rebuild during the run cannot pull files from under it.',
        'RSS: host process only (workers are threads of it, so their heaps count); read after a settle pause, no global.gc — except spare-rss, which forces a GC of the host\'s heap before each reading and reads child processes from /proc.',
        `Workers inherit the host's execArgv; a module loader there (tsx's --import) is booted again in every worker (measured ~100 ms vs ~26 ms per bare worker), so \`npm run bench\` relaunches itself with tsx registered at run time instead, leaving execArgv ${JSON.stringify(process.execArgv)}.`,
        'The machine is shared and noisy: compare scenarios within one run, not across runs. `cpu.otherPercent` (from /proc/stat, % of all cores) is what the rest of the machine used during a series or window: when it is high, that number was disturbed.',
      ],
    },
    scenarios: outcomes,
    ratios: computeRatios(outcomes),
    loadAvgAtEnd: currentLoadAvg(),
    totalElapsedSec: round((performance.now() - started) / 1000),
  };
  let saved = true;
  try {
    const files = writeResults(doc, resolve(args.outDir ?? DEFAULT_OUT));
    const shown = (file: string): string => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file));
    log(`bench: wrote ${files.map(shown).join(', ')}`);
  } catch (error) {
    saved = false;
    log(`bench: could not write the results: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.stdout.write(args.json ? `${JSON.stringify(doc, null, 2)}\n` : `${renderMarkdown(doc)}\n`);
  return saved && Object.values(outcomes).every((outcome) => outcome.ok) ? 0 : 1;
}
