/**
 * The engine-vs-baseline pairs of issue 15 and their targets, in one place:
 * paired-ratios measures them, the report and the chart print them, and the
 * chart falls back to the engine scenarios for a pair the run did not pair.
 */

/** A bound on a ratio; `label` is how the report prints it. */
export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
  readonly label: string;
}

export type PairId = 'worker-latency' | 'context-latency' | 'process-latency' | 'worker-throughput' | 'process-throughput' | 'context-throughput';

export interface PairSpec {
  readonly id: PairId;
  /** latency: sequential p50 in ms (lower is better); throughput: calls/s (higher is better). */
  readonly metric: 'latency' | 'throughput';
  /** Engine scenario names (bench/scenarios/index.ts). */
  readonly engine: string;
  readonly baseline: string;
  /** Throughput: the engine's concurrency; the baseline's best over `baselineConcurrencies` counts. */
  readonly concurrency?: number;
  readonly baselineConcurrencies?: readonly number[];
  /** Short names for the report and the chart. */
  readonly engineLabel: string;
  readonly baselineLabel: string;
  readonly formula: string;
  /** null: measured for the record, no target set. */
  readonly target: Target | null;
}

export const PAIRS: readonly PairSpec[] = [
  {
    id: 'worker-latency',
    metric: 'latency',
    engine: 'sandbox-warm',
    baseline: 'quickjs',
    engineLabel: "'worker' warm",
    baselineLabel: 'quickjs',
    formula: 'sandbox-warm sequential p50 ÷ quickjs-emscripten sequential p50, alternating windows',
    target: { op: '<=', value: 1, label: '≤ 1.0' },
  },
  {
    id: 'context-latency',
    metric: 'latency',
    engine: 'context-warm',
    baseline: 'vm-in-process',
    engineLabel: "'context' warm",
    baselineLabel: 'vm.runInNewContext',
    formula: 'context-warm sequential p50 ÷ in-process vm.runInNewContext sequential p50, alternating windows',
    target: { op: '<=', value: 1.5, label: '≤ 1.5' },
  },
  {
    id: 'process-latency',
    metric: 'latency',
    engine: 'process-warm',
    baseline: 'bare-fork',
    engineLabel: "'process' warm",
    baselineLabel: 'fork per call',
    formula: 'process-warm sequential p50 ÷ bare-fork (child_process.fork per call) sequential p50, alternating windows',
    target: null,
  },
  {
    id: 'worker-throughput',
    metric: 'throughput',
    engine: 'sandbox-warm',
    baseline: 'bare-worker',
    concurrency: 8,
    baselineConcurrencies: [1, 2, 8],
    engineLabel: "'worker' c8",
    baselineLabel: 'best bare Worker',
    formula: 'sandbox-warm calls/s at c8 ÷ best bare-worker calls/s at c1, c2 or c8 in the same round',
    target: { op: '>=', value: 1, label: '≥ 1.0' },
  },
  {
    id: 'process-throughput',
    metric: 'throughput',
    engine: 'process-warm',
    baseline: 'bare-fork',
    concurrency: 8,
    baselineConcurrencies: [1, 2, 8],
    engineLabel: "'process' c8",
    baselineLabel: 'best bare fork',
    formula: 'process-warm calls/s at c8 ÷ best bare-fork calls/s at c1, c2 or c8 in the same round',
    target: { op: '>=', value: 1, label: '≥ 1.0 (keep ≈ 1.04)' },
  },
  {
    id: 'context-throughput',
    metric: 'throughput',
    engine: 'context-warm',
    baseline: 'vm-in-process',
    concurrency: 8,
    baselineConcurrencies: [8],
    engineLabel: "'context' c8",
    baselineLabel: 'vm.runInNewContext c8',
    formula: 'context-warm calls/s at c8 ÷ in-process vm.runInNewContext calls/s at c8 in the same round (for scale: the baseline is not isolated)',
    target: null,
  },
];

/** Whether `ratio` meets `target`; null without a target, false for a ratio that is not a number. */
export function meets(target: Target | null, ratio: number): boolean | null {
  if (target === null) return null;
  if (!Number.isFinite(ratio)) return false;
  return target.op === '<=' ? ratio <= target.value : ratio >= target.value;
}
