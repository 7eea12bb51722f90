/**
 * The benchmark's one picture: latency p50 and throughput of each isolation
 * level beside its baseline (bench/targets.ts), with the ratio and target of
 * each pair. Hand-written SVG, no dependency: two panels on log axes, since
 * a warm isolate and a fork per call differ by 10–100×.
 */
import type { MachineInfo } from './machine.js';
import type { ScenarioOutcome } from './report.js';
import type { EngineResult } from './scenarios/engine-suite.js';
import type { PairedResult } from './scenarios/paired.js';
import { round } from './stats.js';
import { meets, PAIRS, type PairId } from './targets.js';

export interface ChartBar {
  readonly label: string;
  /** null: not measured in this run. */
  readonly value: number | null;
}

export interface ChartPair {
  readonly id: PairId;
  readonly metric: 'latency' | 'throughput';
  readonly engine: ChartBar;
  readonly baseline: ChartBar;
  readonly ratio: number | null;
  /** null: no target set for this pair. */
  readonly targetLabel: string | null;
  readonly met: boolean | null;
  /** paired: median of paired-ratios' rounds; engines: the engine scenarios, measured apart. */
  readonly source: 'paired' | 'engines' | 'none';
}

export interface ChartData {
  readonly title: string;
  readonly subtitle: string;
  readonly pairs: readonly ChartPair[];
}

/** What the chart reads of a bench document (a BenchDocument is one). */
export interface ChartSource {
  readonly machine: MachineInfo;
  readonly scenarios: Record<string, ScenarioOutcome>;
  readonly config: { readonly quick: boolean };
}

function engineResult(scenarios: Record<string, ScenarioOutcome>, name: string): EngineResult | undefined {
  const outcome = scenarios[name];
  return outcome?.ok === true && outcome.result.kind === 'engine' ? outcome.result : undefined;
}

function finite(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) || value <= 0 ? null : value;
}

/** The pairs of bench/targets.ts from paired-ratios when it ran, else from the engine scenarios. */
export function chartData(doc: ChartSource): ChartData {
  const outcome = doc.scenarios['paired-ratios'];
  const paired: PairedResult | undefined = outcome?.ok === true && outcome.result.kind === 'paired' ? outcome.result : undefined;
  const pairs = PAIRS.map((spec): ChartPair => {
    const measured = paired?.pairs.find((pair) => pair.id === spec.id);
    const bars = (engine: number | null, baseline: number | null): Pick<ChartPair, 'engine' | 'baseline'> => ({
      engine: { label: spec.engineLabel, value: engine },
      baseline: { label: spec.baselineLabel, value: baseline },
    });
    const base = { id: spec.id, metric: spec.metric, targetLabel: spec.target?.label ?? null };
    if (measured !== undefined && Number.isFinite(measured.ratio)) {
      return { ...base, ...bars(finite(measured.engineMedian), finite(measured.baselineMedian)), ratio: measured.ratio, met: measured.met, source: 'paired' };
    }
    const engine = engineResult(doc.scenarios, spec.engine);
    const baseline = engineResult(doc.scenarios, spec.baseline);
    let engineValue: number | null;
    let baselineValue: number | null;
    if (spec.metric === 'latency') {
      engineValue = finite(engine?.sequential.latencyMs.p50);
      baselineValue = finite(baseline?.sequential.latencyMs.p50);
    } else {
      const concurrency = spec.concurrency ?? 8;
      const levels = spec.baselineConcurrencies ?? [concurrency];
      engineValue = finite(engine?.throughput.find((t) => t.concurrency === concurrency)?.callsPerSec);
      const best = baseline?.throughput.filter((t) => levels.includes(t.concurrency)).map((t) => t.callsPerSec);
      baselineValue = finite(best === undefined || best.length === 0 ? undefined : Math.max(...best));
    }
    const ratio = engineValue === null || baselineValue === null ? null : round(engineValue / baselineValue);
    return {
      ...base,
      ...bars(engineValue, baselineValue),
      ratio,
      met: ratio === null ? null : meets(spec.target, ratio),
      source: engineValue === null && baselineValue === null ? 'none' : 'engines',
    };
  });
  const { machine } = doc;
  const date = `${machine.date.slice(0, 16).replace('T', ' ')} UTC`;
  const sources =
    paired !== undefined
      ? `paired-ratios, ${paired.rounds.length} rounds (bars: medians; ratio: median of the per-round ratios)`
      : 'the engine scenarios, each measured on its own (not paired)';
  return {
    title: `repl-sandbox benchmark · ${machine.cpuModel} × ${machine.cpuCount} · Node ${machine.node} · ${date}`,
    subtitle: `Each isolation level beside its baseline; source: ${sources}${doc.config.quick ? '; --quick' : ''}. Log scales; numbers on the bars.`,
    pairs,
  };
}

const WIDTH = 1020;
const LABEL_RIGHT = 250;
const BAR_LEFT = 260;
const BAR_RIGHT = 640;
const RATIO_LEFT = 730;
const BAR_HEIGHT = 18;
const BAR_GAP = 4;
const PAIR_GAP = 16;
const COLORS = { engine: '#2b6cb0', baseline: '#a0aec0', met: '#2f855a', missed: '#c53030', none: '#4a5568', grid: '#e2e8f0', text: '#1a202c' };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${round(x)}" y="${round(y)}"${attributes === '' ? '' : ` ${attributes}`}>${escapeXml(content)}</text>`;
}

/** A value as printed on its bar: ms with 3 significant digits, calls/s grouped by thousands. */
export function formatValue(value: number, metric: ChartPair['metric']): string {
  const shown = round(value).toLocaleString('en-US', { maximumFractionDigits: 3 });
  return metric === 'latency' ? `${shown} ms` : `${shown}/s`;
}

/** Decades that cover `values` (at least one). */
function logDomain(values: readonly number[]): { lo: number; hi: number } {
  if (values.length === 0) return { lo: 1, hi: 10 };
  let lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  // A value just above the lowest decade would get a bar too short to compare: one decade more below it.
  if (Math.min(...values) / lo < 3) lo /= 10;
  return { lo, hi: hi <= lo ? lo * 10 : hi };
}

function panel(title: string, pairs: readonly ChartPair[], metric: ChartPair['metric'], top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  const values = pairs.flatMap((p) => [p.engine.value, p.baseline.value]).filter((v): v is number => v !== null);
  const { lo, hi } = logDomain(values);
  const x = (value: number): number => BAR_LEFT + ((Math.log10(value) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (BAR_RIGHT - BAR_LEFT);
  svg.push(text(20, top + 16, title, 'font-size="14" font-weight="bold"'));
  const axisTop = top + 28;
  const rowsHeight = pairs.length * (2 * BAR_HEIGHT + BAR_GAP + PAIR_GAP);
  const axisBottom = axisTop + rowsHeight;
  // Gridlines and labels at each decade.
  for (let decade = lo; decade <= hi * 1.001; decade *= 10) {
    const gx = x(decade);
    svg.push(`<line x1="${round(gx)}" y1="${axisTop}" x2="${round(gx)}" y2="${axisBottom}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    svg.push(text(gx, axisBottom + 14, formatValue(decade, metric), `font-size="10" text-anchor="middle" fill="${COLORS.none}"`));
  }
  let y = axisTop + PAIR_GAP / 2;
  for (const pair of pairs) {
    const bars: ReadonlyArray<[ChartBar, string]> = [
      [pair.engine, COLORS.engine],
      [pair.baseline, COLORS.baseline],
    ];
    for (const [i, [bar, color]] of bars.entries()) {
      const by = y + i * (BAR_HEIGHT + BAR_GAP);
      svg.push(text(LABEL_RIGHT, by + BAR_HEIGHT - 5, bar.label, `text-anchor="end"${i === 0 ? ' font-weight="bold"' : ''}`));
      if (bar.value === null) {
        svg.push(text(BAR_LEFT + 4, by + BAR_HEIGHT - 5, 'not measured', `font-style="italic" fill="${COLORS.none}"`));
        continue;
      }
      const width = Math.max(2, x(bar.value) - BAR_LEFT);
      svg.push(`<rect x="${BAR_LEFT}" y="${round(by)}" width="${round(width)}" height="${BAR_HEIGHT}" fill="${color}"><title>${escapeXml(`${bar.label}: ${formatValue(bar.value, metric)}`)}</title></rect>`);
      svg.push(text(BAR_LEFT + width + 4, by + BAR_HEIGHT - 5, formatValue(bar.value, metric), 'font-size="11"'));
    }
    const middle = y + BAR_HEIGHT + BAR_GAP / 2;
    const ratio = pair.ratio === null ? 'ratio –' : `ratio ${pair.ratio}${pair.source === 'engines' ? ' (unpaired)' : ''}`;
    const verdict =
      pair.targetLabel === null ? 'no target' : pair.met === null ? `target ${pair.targetLabel}` : `target ${pair.targetLabel}: ${pair.met ? 'met' : 'NOT met'}`;
    const verdictColor = pair.met === null ? COLORS.none : pair.met ? COLORS.met : COLORS.missed;
    svg.push(text(RATIO_LEFT, middle - 3, ratio, 'font-weight="bold"'));
    svg.push(text(RATIO_LEFT, middle + 12, verdict, `fill="${verdictColor}"`));
    y += 2 * BAR_HEIGHT + BAR_GAP + PAIR_GAP;
  }
  return { svg, height: axisBottom + 24 - top };
}

/** The chart as a standalone SVG document. */
export function renderChart(data: ChartData): string {
  const body: string[] = [];
  body.push(text(20, 26, data.title, 'font-size="15" font-weight="bold"'));
  body.push(text(20, 46, data.subtitle, `font-size="11" fill="${COLORS.none}"`));
  // Legend.
  body.push(`<rect x="20" y="58" width="12" height="12" fill="${COLORS.engine}"/>`, text(38, 68, 'repl-sandbox', 'font-size="11"'));
  body.push(`<rect x="130" y="58" width="12" height="12" fill="${COLORS.baseline}"/>`, text(148, 68, 'baseline', 'font-size="11"'));
  let top = 84;
  const panels: ReadonlyArray<[string, ChartPair['metric']]> = [
    ['Sequential latency, p50 ms (lower is better; ratio = repl-sandbox ÷ baseline)', 'latency'],
    ['Throughput, calls/s (higher is better; ratio = repl-sandbox ÷ baseline)', 'throughput'],
  ];
  for (const [title, metric] of panels) {
    const { svg, height } = panel(title, data.pairs.filter((pair) => pair.metric === metric), metric, top);
    body.push(...svg);
    top += height + 12;
  }
  const height = Math.ceil(top);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.text}">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
