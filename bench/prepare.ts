/**
 * Micro-benchmark of prepareSource, the host-side step before every run.
 *
 * Run: `npx tsx bench/prepare.ts`. Prints one JSON document: per-call median
 * and p99 in milliseconds for each input kind, next to a no-op baseline that
 * shows what the timing itself costs. Run it on an idle machine: with 2 cores,
 * other processes show up in the p99.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';

import { prepareSource, type PreparedSource } from '../src/prepare/index.js';

const WARMUP = 200;
const ITERATIONS = 2000;

/** Typical tool-call code without await/return/import/export: the no-parse fast path. */
const JS_PLAIN = `const items = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
const counts = new Map();
for (const item of items) {
  counts.set(item, (counts.get(item) ?? 0) + 1);
}
let sum = 0;
for (const v of items) sum += v;
const sorted = [...items].sort((a, b) => a - b);
console.log('distinct', counts.size);
({ mean: sum / items.length, max: Math.max(...items), sorted })`;

/** The same shape with a return in a nested function: parsed by acorn, returned unchanged. */
const JS_PARSED = `const items = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
const counts = new Map();
for (const item of items) {
  counts.set(item, (counts.get(item) ?? 0) + 1);
}
function mean(values) {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
console.log('distinct', counts.size);
({ mean: mean(items), max: Math.max(...items), sorted: [...items].sort((a, b) => a - b) })`;

/** The same with top-level await: parsed and transformed by acorn. */
const JS_AWAIT = `const items = await Promise.resolve([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);
const counts = new Map();
for (const item of items) {
  counts.set(item, (counts.get(item) ?? 0) + 1);
}
function mean(values) {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
const { max } = await Promise.resolve({ max: Math.max(...items) });
console.log('distinct', counts.size);
({ mean: mean(items), max, sorted: [...items].sort((a, b) => a - b) })`;

/** TypeScript without await: sucrase strips it, then the fast path. */
const TS_PLAIN = `interface Stats { mean: number; max: number; sorted: number[] }
enum Mode { Fast, Exact }
const items: number[] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
const counts = new Map<number, number>();
for (const item of items) {
  counts.set(item, (counts.get(item) ?? 0) + 1);
}
function mean<T extends number>(values: readonly T[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
const mode = Mode.Exact as Mode;
console.log('distinct', counts.size, mode);
const stats = { mean: mean(items), max: Math.max(...items), sorted: [...items].sort((a, b) => a - b) } satisfies Stats;
stats`;

/** TypeScript with top-level await: sucrase, then acorn. The same program, awaiting its input. */
const TS_AWAIT = TS_PLAIN.replace(
  'const items: number[] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];',
  'const items: number[] = await Promise.resolve([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);',
);

interface Case {
  readonly name: string;
  readonly input: string;
  readonly run: (input: string) => PreparedSource;
}

const noop = (input: string): PreparedSource => ({ code: input, async: false, language: 'js' });

const CASES: readonly Case[] = [
  { name: 'baselineNoop', input: JS_PLAIN, run: noop },
  { name: 'jsPlain', input: JS_PLAIN, run: (input) => prepareSource(input) },
  { name: 'jsParsedUnchanged', input: JS_PARSED, run: (input) => prepareSource(input) },
  { name: 'jsAwait', input: JS_AWAIT, run: (input) => prepareSource(input) },
  { name: 'ts', input: TS_PLAIN, run: (input) => prepareSource(input, { language: 'ts' }) },
  { name: 'tsAwait', input: TS_AWAIT, run: (input) => prepareSource(input, { language: 'ts' }) },
];

/** Keeps results alive so that no call can be optimized away. */
let sink = 0;

function measure({ input, run }: Case): { medianMs: number; p99Ms: number; async: boolean; chars: number } {
  let last = run(input);
  for (let i = 0; i < WARMUP; i++) sink += run(input).code.length;
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    last = run(input);
    samples[i] = performance.now() - start;
    sink += last.code.length;
  }
  samples.sort();
  return {
    medianMs: round(quantile(samples, 0.5)),
    p99Ms: round(quantile(samples, 0.99)),
    async: last.async,
    chars: input.length,
  };
}

/** Nearest-rank quantile of sorted samples. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function round(ms: number): number {
  return Number(ms.toPrecision(3));
}

const results: Record<string, ReturnType<typeof measure>> = {};
for (const benchCase of CASES) results[benchCase.name] = measure(benchCase);

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'prepareSource',
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      warmupCalls: WARMUP,
      timedCalls: ITERATIONS,
      results,
      checksum: sink,
    },
    null,
    2,
  )}\n`,
);
