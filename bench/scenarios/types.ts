import type { BenchConfig } from '../config.js';
import type { Library } from '../library.js';
import type { Call } from '../measure.js';

export interface ScenarioContext {
  readonly library: Library;
  readonly config: BenchConfig;
  /** Progress, to stderr. */
  readonly log: (message: string) => void;
}

/** Something that evaluates the trivial snippet, for the side-by-side latency/throughput scenarios. */
export interface Engine {
  readonly call: Call;
  /** Before each measured series: e.g. wait until warm spares are booted. */
  readonly ready?: () => Promise<void>;
  /** Extra facts for the report (e.g. the sandbox's stats at the end). */
  readonly describe?: () => Record<string, unknown>;
  close(): Promise<void>;
}

export interface EngineDefinition {
  readonly name: string;
  /** Other words the name filter accepts. */
  readonly aliases: readonly string[];
  readonly description: string;
  /** Whether the code runs in a fresh isolate (false: for scale only). */
  readonly isolated: boolean;
  create(context: ScenarioContext): Promise<Engine>;
}
