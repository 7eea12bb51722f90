/**
 * The messages exchanged between the host and the harness inside an isolate.
 * Both sides import these types and nothing else from each other.
 */
import type { MessagePort } from 'node:worker_threads';

/** One script to evaluate: the JavaScript to compile and how to read its completion value. */
export interface SourceUnit {
  /** JavaScript source, already prepared on the host (TypeScript stripped, top-level await wrapped). */
  readonly code: string;
  /** Shown in stack traces, e.g. `<sandbox>`. */
  readonly filename: string;
  /** The completion value is a promise of `{ value }` (top-level await wrapper) rather than the value itself. */
  readonly async: boolean;
  /** Where columns of `code` differ from the code as written; absent when they do not. */
  readonly columns?: ColumnMaps;
}

/**
 * Maps columns of prepared code back to the code as written (lines never
 * move). Each breakpoint `[line, column, originalColumn, copied]` (line
 * 1-based, columns 0-based) holds from its column to the next breakpoint on
 * its line: copied text advances with the column, inserted text (`copied` 0)
 * maps wholly to where it was inserted. Before a line's first breakpoint, and
 * on lines without one, columns are unchanged.
 */
export type ColumnMap = ReadonlyArray<readonly [line: number, column: number, originalColumn: number, copied: 0 | 1]>;

/** Column maps of successive preparation steps, applied in order: the first maps the code as run back one step. */
export type ColumnMaps = readonly ColumnMap[];

/** Host → harness: the one task an isolate ever receives. */
export interface TaskMessage {
  readonly type: 'run';
  /**
   * This run's secret (32 hex digits). The harness keeps it out of the code's
   * reach and puts it on every report; the host drops the isolate at the
   * first message without it, so the code cannot speak on the channel.
   */
  readonly key: string;
  readonly setup: readonly SourceUnit[];
  readonly main: SourceUnit;
  /** Bytes of output to send; past this the harness only counts. `Infinity` sends all. */
  readonly maxOutput: number;
}

/** Time spent inside the isolate, in milliseconds. */
export interface EvalTimings {
  readonly setupMs: number;
  readonly evalMs: number;
  readonly serializeMs: number;
}

/** A harness report of one run, before the run's key is put on it. */
export type RunReport =
  | { readonly type: 'output'; readonly text: string }
  /** Total bytes printed so far, for hosts without a shared counter (`'process'`); sent while output is dropped. */
  | { readonly type: 'output-total'; readonly bytes: number }
  | {
      readonly type: 'result';
      readonly value: unknown;
      readonly inspected: string;
      readonly timings: EvalTimings;
    }
  | {
      readonly type: 'exception';
      readonly phase: 'setup' | 'eval';
      readonly name: string;
      readonly message: string;
      readonly stack: string;
      readonly value: unknown;
      readonly timings: EvalTimings;
    };

/**
 * Harness → host, in order, on the isolate's private channel: `ready` once
 * booted (before any code can run), then the run's reports, each carrying
 * the run's key.
 */
export type HarnessMessage = ReadyMessage | (RunReport & { readonly key: string });

/** The harness booted and waits for its task. A worker isolate asked to produce V8's code cache of its bundle sends it here. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly codeCache?: Uint8Array;
}

/**
 * Host → harness, after the task: the last report could not be read on the
 * host (nested deeper than the host's stack allows, a shape V8 serializes but
 * cannot read back). The harness sends it again in a flatter form: `attempt`
 * 1 caps the nesting and copies what structured clone refuses by hand,
 * attempt 2 replaces the value with its inspected text. It carries no key:
 * only the host writes on this channel, and the code might read it.
 */
export interface ResendMessage {
  readonly type: 'resend';
  readonly attempt: 1 | 2;
}

/** Everything the host sends a harness. */
export type HostMessage = TaskMessage | ResendMessage;

/** Bytes of a run key in a `'process'` report frame's header. */
export const KEY_BYTES = 16;

/** The first script of a `'worker'` isolate, next to the harness bundle (`worker.cjs`) it compiles. */
export const WORKER_BOOT_NAME = 'worker-boot.cjs';

/** What the host hands a worker at start-up (`workerData`). */
export interface WorkerBootData {
  /** The harness's end of the private channel: task in, output and result out. */
  readonly port: MessagePort;
  /** One float64: total bytes of output printed, including bytes not sent. Readable after a kill. */
  readonly outputTotal: SharedArrayBuffer;
  /**
   * One int32, set to 1 by the host once a caller waits for this isolate: it
   * then skips the warm-up, which only pays off for a spare that idles.
   */
  readonly wanted: SharedArrayBuffer;
  /** V8's code cache of the harness bundle, when the host has one (see `isolates/code-cache.ts`). */
  readonly codeCache?: Uint8Array;
  /** The host has no code cache yet: send one with `ready`, made after the warm-up. */
  readonly produceCodeCache?: true;
  /** Directory from which `require()` and `import()` resolve. */
  readonly cwd: string;
  /** The harness's own file, whose frames are cut from stack traces. */
  readonly harnessFile: string;
}

/** What the host hands each `'context'` pool worker at start-up (`workerData`). */
export interface ContextBootData {
  readonly cwd: string;
  readonly harnessFile: string;
}

/** One `'context'` task: its own private channel and output counter, and the task; or a warm-up ping. */
export type ContextTaskPayload =
  | { readonly port: MessagePort; readonly outputTotal: SharedArrayBuffer; readonly task: TaskMessage }
  /** Proves the worker booted and loaded the harness. */
  | { readonly ping: true };

/** What the host hands a `'process'` isolate at start-up (JSON in `argv[2]`). */
export interface ProcessBootData {
  readonly cwd: string;
  readonly harnessFile: string;
}
