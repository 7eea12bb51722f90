import type { BenchConfig } from './config.js';
import type { CpuShare } from './cpu.js';
import type { LibraryInfo } from './library.js';
import type { MachineInfo } from './machine.js';
import type { ThroughputResult } from './measure.js';
import type { EngineResult } from './scenarios/engine-suite.js';
import type { ScenarioResult } from './scenarios/index.js';
import { round } from './stats.js';

export interface RssReport {
  readonly beforeMb: number;
  readonly afterMb: number;
  readonly peakMb: number;
  readonly deltaMb: number;
}

export type ScenarioOutcome =
  | {
      readonly ok: true;
      readonly elapsedSec: number;
      readonly rss: RssReport;
      readonly cpu: CpuShare | null;
      readonly result: ScenarioResult;
    }
  | { readonly ok: false; readonly elapsedSec: number; readonly error: string };

export interface Ratio {
  readonly name: string;
  readonly value: number | null;
  readonly target: string;
  /** null when a side was not measured in this run, or when no target is set (the target then says so). */
  readonly met: boolean | null;
  readonly formula: string;
}

export interface BenchDocument {
  readonly schema: 'repl-sandbox-bench/1';
  readonly machine: MachineInfo;
  readonly library: LibraryInfo;
  /** The host's execArgv, which every Worker inherits: should hold no module loader. */
  readonly hostExecArgv: readonly string[];
  readonly config: BenchConfig & {
    readonly snippet: string;
    readonly filters: readonly string[];
    readonly notes: readonly string[];
  };
  readonly scenarios: Record<string, ScenarioOutcome>;
  readonly ratios: readonly Ratio[];
  readonly loadAvgAtEnd: readonly number[];
  readonly totalElapsedSec: number;
}

function engine(scenarios: Record<string, ScenarioOutcome>, name: string): EngineResult | undefined {
  const outcome = scenarios[name];
  return outcome?.ok === true && outcome.result.kind === 'engine' ? outcome.result : undefined;
}

function atConcurrency(result: EngineResult | undefined, concurrency: number): number | undefined {
  return result?.throughput.find((level) => level.concurrency === concurrency)?.callsPerSec;
}

function ratio(name: string, formula: string, numerator: number | undefined, denominator: number | undefined, target: { op: '<=' | '>='; value: number; label: string }): Ratio {
  const value = numerator === undefined || denominator === undefined || denominator === 0 ? null : round(numerator / denominator);
  const met = value === null ? null : target.op === '<=' ? value <= target.value : value >= target.value;
  return { name, value, target: target.label, met, formula };
}

/** The ratios the project targets, from whatever this run measured. */
export function computeRatios(scenarios: Record<string, ScenarioOutcome>): Ratio[] {
  const bare = engine(scenarios, 'bare-worker');
  const warm = engine(scenarios, 'sandbox-warm');
  const bestBare = bare === undefined ? undefined : Math.max(...bare.throughput.map((level) => level.callsPerSec));
  const context = engine(scenarios, 'context-warm');
  const inProcess = engine(scenarios, 'vm-in-process');
  const pairedOutcome = scenarios['paired-ratios'];
  const paired = pairedOutcome?.ok === true && pairedOutcome.result.kind === 'paired' ? pairedOutcome.result : undefined;
  const confinedOutcome = scenarios['confined-vs-process'];
  const confined = confinedOutcome?.ok === true && confinedOutcome.result.kind === 'confined-paired' ? confinedOutcome.result : undefined;
  return [
    ratio('warm p50 / bare p50', 'sandbox-warm sequential p50 ÷ bare-worker sequential p50', warm?.sequential.latencyMs.p50, bare?.sequential.latencyMs.p50, {
      op: '<=',
      value: 1 / 20,
      label: '≤ 0.05 (1/20)',
    }),
    ratio(
      'warm p50 (settled) / bare p50',
      'sandbox-warm settled-gap sequential p50 ÷ bare-worker sequential p50 (informational: spares always ready)',
      warm?.sequentialSettled?.latencyMs.p50,
      bare?.sequential.latencyMs.p50,
      { op: '<=', value: 1 / 20, label: '≤ 0.05 (1/20)' },
    ),
    ratio('warm c8 / best bare', 'sandbox-warm calls/s at concurrency 8 ÷ best bare-worker calls/s at any concurrency', atConcurrency(warm, 8), bestBare, {
      op: '>=',
      value: 0.9,
      label: '≥ 0.9',
    }),
    ratio('warm c8 / warm c2', 'sandbox-warm calls/s at concurrency 8 ÷ at concurrency 2', atConcurrency(warm, 8), atConcurrency(warm, 2), {
      op: '>=',
      value: 1,
      label: '≥ 1',
    }),
    ratio('context c2 / worker c2', "context-warm calls/s at concurrency 2 ÷ sandbox-warm ('worker') calls/s at concurrency 2", atConcurrency(context, 2), atConcurrency(warm, 2), {
      op: '>=',
      value: 20,
      label: '≥ 20',
    }),
    ratio('context p50 / vm-in-process p50', 'context-warm sequential p50 ÷ in-process vm.runInNewContext sequential p50', context?.sequential.latencyMs.p50, inProcess?.sequential.latencyMs.p50, {
      op: '<=',
      value: 2,
      label: '≤ 2',
    }),
    // Issue 15's engine-vs-baseline pairs, as paired-ratios measured them (targets in bench/targets.ts).
    ...(paired?.pairs ?? []).map(
      (pair): Ratio => ({
        name: `${pair.engineLabel} / ${pair.baselineLabel} (paired)`,
        value: Number.isFinite(pair.ratio) ? pair.ratio : null,
        target: pair.target?.label ?? 'none (for the record)',
        met: pair.met,
        formula: `paired-ratios: median over rounds of ${pair.formula}`,
      }),
    ),
    ratio('warm c8 / warm c2 (paired)', 'paired-ratios: median over rounds of sandbox-warm c8 ÷ c2 in the same round', paired?.warmC8OverWarmC2, paired === undefined ? undefined : 1, {
      op: '>=',
      value: 1,
      label: '≥ 1',
    }),
    ratio('confined p50 / process p50 (paired)', "confined-vs-process: median over rounds of 'confined' warm p50 ÷ 'process' warm p50 in the same round", confined?.p50ConfinedOverProcess, confined === undefined ? undefined : 1, {
      op: '<=',
      value: 1.5,
      label: '≤ 1.5',
    }),
    ratio('confined c8 / process c8 (paired)', "confined-vs-process: median over rounds of 'confined' calls/s at c8 ÷ 'process' at c8 in the same round", confined?.c8ConfinedOverProcess, confined === undefined ? undefined : 1, {
      op: '>=',
      value: 0.8,
      label: '≥ 0.8',
    }),
  ];
}

function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  const cell = (value: string | number | null | undefined): string => (value === null || value === undefined ? '–' : String(value));
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The "met" column: a target without a measurement, a measurement without a target, or the verdict. */
function metCell(met: boolean | null, value: number | null): string {
  if (met !== null) return met ? 'yes' : '**NO**';
  return value === null ? 'not measured' : 'no target';
}

function percent(fraction: number | null | undefined): string | null {
  if (fraction === undefined) return null;
  return fraction === null ? null : `${Math.round(fraction * 100)} %`;
}

/** The human report: markdown tables. */
export function renderMarkdown(doc: BenchDocument): string {
  const { machine, config, scenarios } = doc;
  const out: string[] = [];
  out.push('# repl-sandbox benchmark', '');
  out.push(
    `${machine.date} · Node ${machine.node} · ${machine.cpuModel} × ${machine.cpuCount} · ${machine.totalMemMb} MB RAM · load ${machine.loadAvgAtStart.join('/')} → ${doc.loadAvgAtEnd.join('/')}`,
    `Library: snapshot of ${doc.library.snapshotOf} (built ${doc.library.distBuiltAt}${doc.library.stale ? ', OLDER than src/ — rebuild' : ''}) · ${config.quick ? 'quick mode · ' : ''}total ${doc.totalElapsedSec} s`,
    '',
  );
  for (const note of config.notes) out.push(`- ${note}`);
  out.push('');

  const engines = Object.entries(scenarios).flatMap(([name, outcome]) =>
    outcome.ok && outcome.result.kind === 'engine' ? [{ name, result: outcome.result, rss: outcome.rss }] : [],
  );
  if (engines.length > 0) {
    out.push(`## Sequential latency (ms), snippet \`${config.snippet}\``, '');
    const rows = engines.flatMap(({ name, result }) => {
      const series = [{ label: name, s: result.sequential }];
      if (result.sequentialSettled !== undefined) series.push({ label: `${name} (settled)`, s: result.sequentialSettled });
      return series.map(({ label, s }) => [
        label,
        s.latencyMs.n,
        s.gapMs,
        s.latencyMs.p50,
        s.latencyMs.p90,
        s.latencyMs.p99,
        s.latencyMs.max,
        percent(s.waitedForBootFraction),
        s.insideIsolateMs?.p50,
        s.cpu?.otherPercent,
      ]);
    });
    out.push(table(['scenario', 'n', 'gap ms', 'p50', 'p90', 'p99', 'max', 'waited for boot', 'inside isolate p50', 'other CPU %'], rows), '');

    out.push(`## Throughput (calls/s), ${config.durationMs / 1000} s window per level`, '');
    const levels = config.concurrencyLevels;
    const level = (result: EngineResult, c: number): ThroughputResult | undefined => result.throughput.find((t) => t.concurrency === c);
    out.push(
      table(
        ['scenario', ...levels.map((c) => `c${c} calls/s`), ...levels.map((c) => `c${c} p50 / p99 ms`), 'other CPU % per level'],
        engines.map(({ name, result }) => [
          name,
          ...levels.map((c) => level(result, c)?.callsPerSec),
          ...levels.map((c) => {
            const t = level(result, c);
            return t === undefined ? undefined : `${t.latencyMs.p50} / ${t.latencyMs.p99}`;
          }),
          levels.map((c) => level(result, c)?.cpu?.otherPercent ?? '–').join(' / '),
        ]),
      ),
      '',
    );
  }

  out.push('## Host RSS per scenario (MB)', '');
  out.push(
    table(
      ['scenario', 'before', 'after', 'peak', 'Δ', 'seconds', 'own / other CPU %'],
      Object.entries(scenarios).map(([name, outcome]) =>
        outcome.ok
          ? [name, outcome.rss.beforeMb, outcome.rss.afterMb, outcome.rss.peakMb, outcome.rss.deltaMb, outcome.elapsedSec, outcome.cpu === null ? null : `${outcome.cpu.ownPercent} / ${outcome.cpu.otherPercent}`]
          : [name, null, null, null, null, outcome.elapsedSec, null],
      ),
    ),
    '',
  );

  for (const [name, outcome] of Object.entries(scenarios)) {
    if (!outcome.ok) {
      out.push(`## ${name}: FAILED`, '', '```', outcome.error, '```', '');
      continue;
    }
    const result = outcome.result;
    if (result.kind === 'output-throughput') {
      out.push(`## output-throughput`, '', result.description, '');
      out.push(
        table(
          ['maxOutput', 'printed MB', 'returned bytes', 'p50 ms', 'max ms', 'MB/s', 'worker evalMs'],
          result.variants.map((v) => [v.maxOutput, round(v.printedBytes / 1024 / 1024), v.returnedBytes, v.elapsedMs.p50, v.elapsedMs.max, v.mbPerSec, v.evalMs]),
        ),
        '',
      );
    } else if (result.kind === 'paired') {
      const keys = Object.keys(result.medianCallsPerSec);
      out.push(`## paired-ratios`, '', result.description, '');
      out.push(
        'Engine vs baseline, ratio within each round, then the median. Latency: p50 ms of each side\'s window, engine ÷ baseline (lower is better); ' +
          'throughput: calls/s, engine at c8 ÷ baseline at its best concurrency that round (higher is better). ' +
          '"inside" is the p50 time the repl-sandbox run spent inside its isolate; "outside" ≈ p50 − inside: the host, messaging and boot waits.',
        '',
      );
      out.push(
        table(
          ['pair', 'unit', 'rounds: engine / baseline = ratio', 'engine', 'baseline', 'ratio', 'target', 'met', 'waited for boot', 'inside ms', 'outside ms'],
          result.pairs.map((pair) => [
            `${pair.engineLabel} vs ${pair.baselineLabel}`,
            pair.unit,
            pair.rounds.map((r) => `${r.engine} / ${r.baseline}${r.baselineConcurrency === undefined ? '' : ` (c${r.baselineConcurrency})`} = ${r.ratio}`).join('; '),
            pair.engineMedian,
            pair.baselineMedian,
            `**${pair.ratio}**`,
            pair.target?.label ?? 'none',
            metCell(pair.met, pair.ratio),
            percent(pair.waitedForBootFraction),
            pair.insideIsolateMs,
            pair.outsideIsolateMs,
          ]),
        ),
        '',
      );
      out.push(
        table(
          ['round', ...keys.map((k) => `${k} calls/s`), 'warm c8 / best bare', 'warm c8 / c2', 'other CPU %'],
          [
            ...result.rounds.map((r, i) => [i + 1, ...keys.map((k) => r.callsPerSec[k]), r.warmC8OverBestBare, r.warmC8OverWarmC2, r.otherCpuPercent]),
            ['median', ...keys.map((k) => result.medianCallsPerSec[k]), result.warmC8OverBestBare, result.warmC8OverWarmC2, null],
          ],
        ),
        '',
      );
    } else if (result.kind === 'confined-paired') {
      const keys = Object.keys(result.medianCallsPerSec);
      out.push(`## confined-vs-process`, '', result.description, '');
      out.push(
        table(
          ['round', 'process p50 ms', 'confined p50 ms', ...keys.map((k) => `${k} calls/s`), 'p50 confined / process', 'c8 confined / process'],
          [
            ...result.rounds.map((r, i) => [i + 1, r.p50Ms.process, r.p50Ms.confined, ...keys.map((k) => r.callsPerSec[k]), r.p50ConfinedOverProcess, r.c8ConfinedOverProcess]),
            ['median', result.medianP50Ms.process, result.medianP50Ms.confined, ...keys.map((k) => result.medianCallsPerSec[k]), result.p50ConfinedOverProcess, result.c8ConfinedOverProcess],
          ],
        ),
        '',
      );
    } else if (result.kind === 'large-result') {
      out.push(`## large-result`, '', `${result.description}; value ≈ ${round(result.jsonBytes / 1024 / 1024)} MB as JSON`, '');
      out.push(
        table(
          ['returns', 'n', 'p50 ms', 'p99 ms', 'worker evalMs', 'worker serializeMs', 'outside isolate ms', 'waited for boot'],
          result.variants.map((v) => [v.returns, v.elapsedMs.n, v.elapsedMs.p50, v.elapsedMs.p99, v.evalMs, v.serializeMs, v.outsideIsolateMs, percent(v.waitedForBootFraction)]),
        ),
        '',
        `Cost of returning the value (p50 rows − p50 null): **${result.returnCostMs} ms**`,
        '',
      );
    } else if (result.kind === 'spare-rss') {
      out.push(`## spare-rss`, '', result.description, '');
      out.push(
        table(
          ['level', 'host MB / spare', 'child VmRSS MB / spare', 'child RssAnon MB / spare', 'child Pss MB / spare', 'processes / spare', 'per repetition: host MB / spare (spares at create → after warmup)'],
          result.levels.map((l) =>
            l.skipped !== null
              ? [l.level, `skipped: ${l.skipped}`, null, null, null, null, null]
              : [
                  l.level,
                  `**${l.hostMbPerSpare}**`,
                  l.childVmRssMbPerSpare,
                  l.childRssAnonMbPerSpare,
                  l.childPssMbPerSpare,
                  l.childProcessesPerSpare,
                  l.repetitions.map((r) => `${r.hostMbPerSpare} (${r.sparesAtCreate} → ${r.sparesAfterWarmup})`).join('; '),
                ],
          ),
        ),
        '',
        `Host RSS is the host process only: a 'worker' or 'context' spare is a thread of it, a 'process' or 'confined' spare a child whose own memory is in the child columns (${result.childrenReadable ? 'VmRSS counts shared pages such as Node\'s binary in every process; Pss splits them' : '/proc does not list children here: not measured'}).`,
        '',
      );
    } else if (result.kind === 'rss-soak') {
      out.push(`## rss-soak`, '', result.description, '');
      out.push(
        `${result.runs} runs (after ${result.warmupRuns} unmeasured) in ${round(result.elapsedMs / 1000)} s (${result.runsPerSec}/s). RSS ${result.rssBeforeMb} → ${result.rssAfterMb} MB: **growth ${result.rssGrowthMb} MB**. Trail: ${result.rssTrailMb.join(', ')}`,
        `Stats at end: \`${JSON.stringify(result.statsAtEnd)}\`; after close: \`${JSON.stringify(result.statsAfterClose)}\``,
        '',
      );
    }
  }

  out.push('## Target ratios', '');
  out.push(
    table(
      ['ratio', 'value', 'target', 'met'],
      doc.ratios.map((r) => [r.name, r.value, r.target, metCell(r.met, r.value)]),
    ),
    '',
  );
  return out.join('\n');
}
