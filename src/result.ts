import { performance } from 'node:perf_hooks';
import type { IsolateExit } from './isolates/isolate.js';
import type { PreparationFailure } from './prepare/task.js';

/** Where one run's time went, in milliseconds. */
export interface RunTimings {
  /**
   * From the `run()` call until the run had a concurrency slot: the wait in the
   * sandbox's queue (and the host's preparation of the code, well under a
   * millisecond unless the host's event loop is stalled).
   */
  readonly queuedMs: number;
  /** Waiting for an isolate to boot; absent when a warm spare was ready. */
  readonly bootMs?: number;
  /** Evaluating `setup`, inside the isolate. */
  readonly setupMs?: number;
  /** Evaluating the code and awaiting its value, inside the isolate. */
  readonly evalMs?: number;
  /** Inspecting and serializing the value, inside the isolate. */
  readonly serializeMs?: number;
}

/** The code ran and its value settled. */
export interface RunSuccess {
  readonly ok: true;
  /** Everything printed, in order, capped at `maxOutput` bytes plus the truncation note. */
  readonly output: string;
  /**
   * The last expression's value (awaited when it is a promise), copied out of
   * the isolate with the structured clone algorithm: Date, Map, Set, BigInt,
   * RegExp, typed arrays, `undefined`, NaN, ±Infinity, Errors and cycles
   * survive. What cannot be copied (functions, symbols, WeakMaps, proxies, a
   * getter that throws) is replaced by its `util.inspect` text; class
   * instances arrive as plain objects.
   */
  readonly result: unknown;
  /** `util.inspect` of the value, made inside the isolate: what a REPL would print. */
  readonly inspected: string;
  /** Milliseconds from the `run()` call to the result. */
  readonly durationMs: number;
  readonly timings: RunTimings;
}

/** The code did not produce a value. */
export interface RunFailure {
  readonly ok: false;
  /** What was printed before the failure, capped like {@link RunSuccess.output}. */
  readonly output: string;
  readonly error: RunError;
  readonly durationMs: number;
  readonly timings: RunTimings;
}

/** What went wrong, discriminated by `type`. */
export type RunError =
  | { readonly type: 'timeout'; readonly message: string; readonly timeout: number }
  /**
   * The run did not start within its `queueTimeout` (the sandbox was busy):
   * it was dropped before any isolate got it, so none of the code ran and
   * `output` is empty. How long it waited is in `timings` (`queuedMs`, plus
   * `bootMs` when it had a slot and its isolate was still booting). A
   * value, not a rejection, like every end of a run the sandbox accepted
   * (an overflowing queue, decided at the call, rejects instead).
   */
  | { readonly type: 'queue-timeout'; readonly message: string; readonly queueTimeout: number }
  | { readonly type: 'aborted'; readonly message: string; readonly reason?: unknown }
  /**
   * The isolate ended before it reported a result. `'lost'` comes only from
   * a queue sandbox (`repl-sandbox/queue`): the executor running the code
   * died or lost its machine, noticed when its lock on the job expired.
   */
  | {
      readonly type: 'crashed';
      readonly message: string;
      readonly reason: 'exit' | 'out-of-memory' | 'error' | 'lost';
      readonly exitCode?: number;
    }
  | {
      readonly type: 'exception';
      readonly message: string;
      /** Whether `setup` or the code threw. */
      readonly phase: 'setup' | 'eval';
      /** The error's `name`, or `'Uncaught'` for a thrown non-Error. */
      readonly name: string;
      /** The stack, trimmed to the user's own frames. */
      readonly stack: string;
      /** The thrown value itself, copied like `result`. */
      readonly value: unknown;
    };

/** The outcome of one evaluation: a value, never a rejection, whatever the code did. */
export type RunResult = RunSuccess | RunFailure;

/** `error.message` of a run ended by its `signal`. */
export const ABORTED_MESSAGE = 'The run was aborted';
/** `error.message` of a run ended by `close()`; also what a closed pool rejects its waiters with. */
export const CLOSED_MESSAGE = 'The sandbox was closed';
/** Starts `error.message` of a run whose isolate could not boot; the boot error's message follows. */
export const BOOT_FAILED_MESSAGE = 'The isolate failed to start';

/** The run was ended by its signal (`message` {@link ABORTED_MESSAGE}) or by `close()` ({@link CLOSED_MESSAGE}). */
export function abortedError(reason: unknown, message = ABORTED_MESSAGE): RunError {
  return { type: 'aborted', message, ...(reason === undefined ? {} : { reason }) };
}

/** The run outlived its `timeout`. */
export function timeoutError(timeout: number): RunError {
  return { type: 'timeout', message: `Timed out after ${timeout} ms`, timeout };
}

/** The run did not start within its `queueTimeout`. */
export function queueTimeoutError(queueTimeout: number): RunError {
  return { type: 'queue-timeout', message: `Not started within ${queueTimeout} ms (queueTimeout): the sandbox was busy, the code did not run`, queueTimeout };
}

/** The isolate ended before it reported a result. */
export function crashedError(exit: IsolateExit): RunError {
  const code = exit.exitCode === undefined ? {} : { exitCode: exit.exitCode };
  if (exit.outOfMemory) return { type: 'crashed', reason: 'out-of-memory', message: 'The isolate ran out of memory', ...code };
  if (exit.error !== undefined) return { type: 'crashed', reason: 'error', message: exit.error.message, ...code };
  if (exit.signal !== undefined) return { type: 'crashed', reason: 'exit', message: `The isolate was killed by ${exit.signal}`, ...code };
  return { type: 'crashed', reason: 'exit', message: `The isolate exited with code ${exit.exitCode ?? '?'}`, ...code };
}

/** The isolate for the run failed to boot. */
export function bootFailedError(error: Error): RunError {
  return { type: 'crashed', reason: 'error', message: `${BOOT_FAILED_MESSAGE}: ${error.message}` };
}

/** A source the host could not prepare, reported as the exception V8 would have thrown, with the same where-line-caret stack. */
export function sourceError({ source: cause, phase, filename }: PreparationFailure): RunError {
  const headline = `${cause.name}: ${cause.message}`;
  const stack =
    cause.line !== undefined && cause.sourceLine !== undefined
      ? `${filename}:${cause.line}\n${cause.sourceLine}\n${' '.repeat(Math.max(0, (cause.column ?? 1) - 1))}^\n\n${headline}`
      : headline;
  // The error was made here, in the host: its own stack would list the library's frames, never the code's.
  Reflect.defineProperty(cause, 'stack', { configurable: true, enumerable: false, writable: true, value: stack });
  return { type: 'exception', phase, name: cause.name, message: cause.message, stack, value: cause };
}

/**
 * A failure decided on the host, before any output: `durationMs` runs from
 * `calledAt` (`performance.now()` when `run()` was called) to now; `bootMs`
 * when the run waited for an isolate's boot.
 */
export function hostFailure(error: RunError, calledAt: number, queuedMs: number, bootMs?: number): RunFailure {
  const timings = bootMs === undefined ? { queuedMs } : { queuedMs, bootMs };
  return { ok: false, output: '', error, durationMs: performance.now() - calledAt, timings };
}
