/**
 * The benchmark's chart (bench/chart.ts) from small fixture results: a
 * well-formed SVG that names every engine and baseline and prints each
 * number, ratio and target. No benchmark runs here.
 */
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- this test is of the benchmark's own chart module, not of the library
import { chartData, renderChart } from '../bench/chart.js';

type Source = Parameters<typeof chartData>[0];
type Outcome = Source['scenarios'][string];
type Result = Extract<Outcome, { ok: true }>['result'];
type Paired = Extract<Result, { kind: 'paired' }>;
type Pair = Paired['pairs'][number];
type Engine = Extract<Result, { kind: 'engine' }>;

const machine: Source['machine'] = {
  node: 'v20.20.2',
  v8: '11.3.244.8-node.33',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU <2 cores>',
  cpuCount: 2,
  availableParallelism: 2,
  totalMemMb: 7947,
  freeMemMb: 3000,
  loadAvgAtStart: [1, 1, 1],
  date: '2026-01-02T03:04:05.678Z',
};

function ok(result: Result): Outcome {
  return { ok: true, elapsedSec: 1, rss: { beforeMb: 1, afterMb: 1, peakMb: 1, deltaMb: 0 }, cpu: null, result };
}

function pair(id: Pair['id'], engineLabel: string, baselineLabel: string, engineMedian: number, baselineMedian: number, target: Pair['target']): Pair {
  const metric = id.endsWith('latency') ? 'latency' : 'throughput';
  const ratio = Math.round((engineMedian / baselineMedian) * 1000) / 1000;
  const met = target === null ? null : target.op === '<=' ? ratio <= target.value : ratio >= target.value;
  return {
    id,
    metric,
    unit: metric === 'latency' ? 'ms' : 'calls/s',
    engine: 'engine',
    baseline: 'baseline',
    engineLabel,
    baselineLabel,
    formula: 'engine ÷ baseline',
    ratio,
    target,
    met,
    engineMedian,
    baselineMedian,
    rounds: [{ engine: engineMedian, baseline: baselineMedian, ratio }],
  };
}

const paired: Paired = {
  kind: 'paired',
  description: 'fixture',
  windowMs: 500,
  latencyCalls: 15,
  latencyWarmupCalls: 2,
  latencyGapMs: 50,
  rounds: [
    {
      callsPerSec: {},
      otherCpuPercent: null,
      warmC8OverBestBare: 0.93,
      warmC8OverWarmC2: 1.01,
      latency: {},
      latencyOrder: [],
    },
  ],
  warmC8OverBestBare: 0.93,
  warmC8OverWarmC2: 1.01,
  medianCallsPerSec: {},
  pairs: [
    pair('worker-latency', "'worker' warm", 'quickjs', 1.23, 0.71, { op: '<=', value: 1, label: '≤ 1.0' }),
    pair('context-latency', "'context' warm", 'vm.runInNewContext', 0.456, 0.389, { op: '<=', value: 1.5, label: '≤ 1.5' }),
    pair('process-latency', "'process' warm", 'fork per call', 3.41, 61.7, null),
    pair('worker-throughput', "'worker' c8", 'best bare Worker', 54.2, 58.3, { op: '>=', value: 1, label: '≥ 1.0' }),
    pair('process-throughput', "'process' c8", 'best bare fork', 12.6, 12.1, { op: '>=', value: 1, label: '≥ 1.0 (keep ≈ 1.04)' }),
    pair('context-throughput', "'context' c8", 'vm.runInNewContext c8', 1890, 4992.3, null),
  ],
};

function engine(p50: number, callsPerSec: Record<number, number>): Engine {
  const summary = { n: 10, min: p50, p50, p90: p50, p99: p50, max: p50, mean: p50 };
  return {
    kind: 'engine',
    description: 'fixture',
    isolated: true,
    sequential: { warmupCalls: 2, gapMs: 50, latencyMs: summary, waitedForBootFraction: null, insideIsolateMs: null, cpu: null },
    throughput: Object.entries(callsPerSec).map(([concurrency, rate]) => ({
      concurrency: Number(concurrency),
      calls: 10,
      elapsedMs: 1000,
      callsPerSec: rate,
      latencyMs: summary,
      waitedForBootFraction: null,
      cpu: null,
    })),
  };
}

const ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** A tiny XML check: one root, balanced tags, quoted attributes, no stray `<`, `>` or `&` in text. */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const between = body.slice(last, match.index);
    expect(between, `text before ${match[0]}`).not.toMatch(/[<>]/);
    for (const entity of between.matchAll(/&([^;\s]*);?/g)) expect(ENTITIES.has(entity[1] ?? ''), `entity in ${between}`).toBe(true);
    const [, closing, name = '', , selfClosing] = match;
    if (closing === '/') {
      expect(stack.pop(), `</${name}>`).toBe(name);
    } else {
      if (stack.length === 0) roots++;
      if (selfClosing !== '/') stack.push(name);
    }
    last = match.index + match[0].length;
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(body.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
}

describe('bench chart', () => {
  it('draws every pair of paired-ratios: labels, numbers on the bars, ratio and target', () => {
    const data = chartData({ machine, scenarios: { 'paired-ratios': ok(paired) }, config: { quick: true } });
    expect(data.pairs.map((p) => p.source)).toEqual(Array(6).fill('paired'));
    const svg = renderChart(data);
    assertWellFormed(svg);
    for (const p of paired.pairs) {
      expect(svg).toContain(`>${p.engineLabel.replace(/'/g, '&apos;')}<`);
      expect(svg).toContain(`>${p.baselineLabel}<`);
      expect(svg).toContain(`ratio ${p.ratio}<`);
    }
    for (const number of ['1.23 ms', '0.71 ms', '0.456 ms', '0.389 ms', '3.41 ms', '61.7 ms', '54.2/s', '58.3/s', '12.6/s', '12.1/s', '1,890/s', '4,992.3/s']) {
      expect(svg).toContain(`>${number}<`);
    }
    expect(svg).toContain('target ≤ 1.0: NOT met');
    expect(svg).toContain('target ≤ 1.5: met');
    expect(svg).toContain('target ≥ 1.0 (keep ≈ 1.04): met');
    expect(svg).toContain('no target');
    // The title line: machine (escaped), Node version, date.
    expect(svg).toContain('Test CPU &lt;2 cores&gt; × 2 · Node v20.20.2 · 2026-01-02 03:04 UTC');
    expect(svg).toContain('paired-ratios, 1 rounds (bars: medians; ratio: median of the per-round ratios); --quick');
  });

  it('falls back to the engine scenarios, and says what was not measured', () => {
    const scenarios = {
      'sandbox-warm': ok(engine(1.05, { 1: 40, 2: 50, 8: 52 })),
      quickjs: ok(engine(0.7, { 1: 3900, 2: 4600, 8: 4990 })),
      'bare-worker': ok(engine(26, { 1: 40, 2: 57.5, 8: 55 })),
    };
    const data = chartData({ machine, scenarios, config: { quick: false } });
    const byId = Object.fromEntries(data.pairs.map((p) => [p.id, p]));
    expect(byId['worker-latency']).toMatchObject({ source: 'engines', ratio: 1.5, met: false });
    expect(byId['worker-throughput']).toMatchObject({ source: 'engines', ratio: 0.904, met: false, baseline: { value: 57.5 } });
    expect(byId['process-latency']).toMatchObject({ source: 'none', ratio: null, met: null });
    const svg = renderChart(data);
    assertWellFormed(svg);
    expect(svg).toContain('ratio 1.5 (unpaired)');
    expect(svg).toContain('>not measured<');
    expect(svg).toContain('>57.5/s<');
    expect(svg).toContain('not paired');
  });

  it('escapes what it prints', () => {
    const svg = renderChart({
      title: 'a < b & c',
      subtitle: '"quoted"',
      pairs: [
        {
          id: 'worker-latency',
          metric: 'latency',
          engine: { label: '<script>', value: 1 },
          baseline: { label: 'x & y', value: 10 },
          ratio: 0.1,
          targetLabel: '≤ 1.0',
          met: true,
          source: 'paired',
        },
      ],
    });
    assertWellFormed(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('x &amp; y');
  });
});
