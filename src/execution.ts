import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IsolateExit, Lease } from './isolates/isolate.js';
import type { SandboxLogger } from './logger.js';
import type { ResolvedRunOptions } from './options.js';
import { OutputBuffer } from './output.js';
import { type EvalTimings, type HarnessMessage, KEY_BYTES, type TaskMessage } from './protocol.js';
import { ABORTED_MESSAGE, abortedError, crashedError, type RunError, type RunResult, type RunTimings, timeoutError } from './result.js';

/** The longest delay `setTimeout` honours; a longer timeout means "never" in practice (24.8 days). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** What an execution knows about the run before its isolate started. */
export interface ExecutionContext {
  readonly options: ResolvedRunOptions;
  /** `performance.now()` when `run()` was called. */
  readonly calledAt: number;
  readonly queuedMs: number;
  readonly bootMs: number | undefined;
  readonly logger: SandboxLogger;
  /** Called with the result as soon as it is known, before {@link Execution.result} settles (no promise hop on the hot path). */
  readonly onResult: (result: RunResult) => void;
}

/**
 * One run's lifecycle on one lease: hand over the task, collect output,
 * enforce the timeout and the abort signal, turn whatever happens into a
 * `RunResult`, and release the lease once the caller has it.
 */
export class Execution {
  readonly #lease: Lease;
  readonly #context: ExecutionContext;
  readonly #output: OutputBuffer;
  readonly #resolve: (result: RunResult) => void;
  /** Resolves with the result; never rejects. */
  readonly result: Promise<RunResult>;
  #timer: NodeJS.Timeout | undefined;
  #finished = false;
  #stopping = false;
  #onAbort: (() => void) | undefined;

  constructor(lease: Lease, context: ExecutionContext) {
    this.#lease = lease;
    this.#context = context;
    let resolve!: (result: RunResult) => void;
    this.result = new Promise<RunResult>((r) => (resolve = r));
    this.#resolve = resolve;
    this.#output = new OutputBuffer(context.options.maxOutput, context.options.onOutput, (error) =>
      context.logger.warn({ err: error }, 'onOutput threw; output capture continues'),
    );
  }

  /** Sends the task, under a fresh key of this run's. The timeout clock starts here. */
  start(task: Omit<TaskMessage, 'key'>): void {
    const { timeout, signal } = this.#context.options;
    if (timeout === 0) {
      // No time at all: nothing runs. Sending the task would race a 1 ms timer against the reply.
      this.#timedOut();
      return;
    }
    if (timeout < MAX_TIMER_DELAY) {
      this.#timer = setTimeout(() => this.#timedOut(), timeout);
    }
    if (signal !== undefined) {
      this.#onAbort = () => this.abort(signal.reason);
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    this.#lease.start({ ...task, key: runKey() }, {
      message: (message) => this.#receive(message),
      exit: (exit) => this.#exited(exit),
    });
  }

  /** Terminates the run: it resolves `aborted` with the output so far. */
  abort(reason: unknown, message = ABORTED_MESSAGE): void {
    this.#stop(abortedError(reason, message));
  }

  #receive(message: HarnessMessage): void {
    if (this.#finished) return;
    switch (message.type) {
      case 'output':
        this.#output.append(message.text);
        return;
      case 'result':
        this.#finish(
          { ok: true, output: '', result: message.value, inspected: message.inspected, durationMs: 0, timings: this.#timings() },
          message.timings,
        );
        return;
      case 'exception': {
        const { phase, name, message: text, stack, value } = message;
        // The copied Error carries its raw stack; give it the trimmed one the caller sees.
        if (value instanceof Error && value.message === text) value.stack = stack;
        this.#finish(
          { ok: false, output: '', error: { type: 'exception', message: text, phase, name, stack, value }, durationMs: 0, timings: this.#timings() },
          message.timings,
        );
        return;
      }
      case 'ready':
      case 'output-total':
        return;
    }
  }

  #timedOut(): void {
    const { timeout } = this.#context.options;
    this.#context.logger.warn({ isolate: this.#lease.id, timeout }, 'run timed out; terminating its isolate');
    this.#stop(timeoutError(timeout));
  }

  #exited(exit: IsolateExit): void {
    // `process.exit(0)`, how many generated scripts end, is a normal end: ok, with no value.
    if (isCleanExit(exit)) return this.#stop(undefined);
    const error = crashedError(exit);
    // An exit while we stop it (timeout, abort) is the stop itself, not a crash to report.
    if (!this.#finished && !this.#stopping) this.#context.logger.warn({ isolate: this.#lease.id, ...error }, 'isolate crashed');
    this.#stop(error);
  }

  /**
   * Ends the run without a result from the harness: keep every byte it sent
   * first. `undefined`: the code ended its isolate cleanly (exit code 0), so
   * the run succeeds with no value.
   */
  #stop(error: RunError | undefined): void {
    if (this.#finished || this.#stopping) return;
    this.#stopping = true;
    clearTimeout(this.#timer);
    void this.#lease.terminate().then((pending) => {
      // Output (or even the result) may still have been in flight: it wins over the stop.
      for (const message of pending) this.#receive(message);
      if (this.#finished) return;
      const timings = this.#timings();
      if (error === undefined) this.#finish({ ok: true, output: '', result: undefined, inspected: 'undefined', durationMs: 0, timings }, undefined);
      else this.#finish({ ok: false, output: '', error, durationMs: 0, timings }, undefined);
    });
  }

  #timings(): RunTimings {
    const { queuedMs, bootMs } = this.#context;
    return bootMs === undefined ? { queuedMs } : { queuedMs, bootMs };
  }

  #finish(result: RunResult, evalTimings: EvalTimings | undefined): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#context.options.signal?.removeEventListener('abort', this.#onAbort);
    const output = this.#output.finish(this.#lease.outputBytes());
    const durationMs = performance.now() - this.#context.calledAt;
    const timings = evalTimings === undefined ? result.timings : { ...result.timings, ...evalTimings };
    const final = { ...result, output, durationMs, timings };
    this.#resolve(final);
    this.#context.onResult(final);
    // The caller has its result first; tearing the isolate down comes after.
    setImmediate(() => this.#lease.release());
  }
}

/** Random bytes for run keys, drawn in batches: one `randomFillSync` per 256 runs instead of one `randomUUID` per run. */
const keyBytes = Buffer.alloc(KEY_BYTES * 256);
let keyOffset = keyBytes.length;

/**
 * A fresh run key: {@link KEY_BYTES} random bytes as hex (128 bits), what the
 * code would have to guess to speak on the harness's channel.
 */
function runKey(): string {
  if (keyOffset === keyBytes.length) {
    randomFillSync(keyBytes);
    keyOffset = 0;
  }
  const key = keyBytes.toString('hex', keyOffset, keyOffset + KEY_BYTES);
  // Used once: a key read from this buffer again would be a key already given out.
  keyBytes.fill(0, keyOffset, keyOffset + KEY_BYTES);
  keyOffset += KEY_BYTES;
  return key;
}

/** The isolate exited with code 0 by itself: no signal, no error, not out of memory. */
function isCleanExit(exit: IsolateExit): boolean {
  return exit.exitCode === 0 && exit.signal === undefined && exit.error === undefined && !exit.outOfMemory;
}
