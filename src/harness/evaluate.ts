import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { types } from 'node:util';
import * as vm from 'node:vm';
import type { EvalTimings, ResendMessage, RunReport, SourceUnit, TaskMessage } from '../protocol.js';
import { MAX_READABLE_DEPTH, toCloneable } from './clone.js';
import type { OutputSink } from './output.js';
import { safeInspect } from './safe.js';
import { stackSources, type StackSources } from './stack.js';
import { describeThrown } from './thrown.js';

/** What a task needs from the isolate it runs in. */
export interface TaskEnvironment {
  readonly context: vm.Context;
  readonly sink: OutputSink;
  /**
   * Posts a report to the host, stamped with the run's key (in the message
   * on a port, in the frame header on a pipe); throws a DataCloneError for an
   * uncloneable message.
   */
  readonly send: (report: RunReport) => void;
  /** Shared cell for the total bytes printed, when the host reads one. */
  readonly outputTotal: Float64Array | undefined;
  /** Without a shared cell, the total is sent as `output-total` messages instead. */
  readonly reportOutputTotal: boolean;
  readonly importModule: (specifier: string) => Promise<unknown>;
  /** Trims a thrown value's stack to the user's frames, with the columns of the code as written. */
  readonly cleanStack: (stack: string, thrown: unknown, sources: StackSources) => string;
}

/**
 * One task: setup (not captured), then the code, awaiting its value; reports
 * exactly one `result` or `exception`. An error thrown asynchronously (a timer
 * callback, an unhandled rejection) before the value settles is that
 * exception: the isolate's entry routes such errors to {@link reportThrown}.
 */
export class TaskRun {
  readonly #task: TaskMessage;
  readonly #env: TaskEnvironment;
  /** This task's files, for stack traces. */
  readonly sources: StackSources;
  #phase: 'setup' | 'eval' = 'setup';
  #reported = false;
  #started = 0;
  #evalStarted = 0;
  #evalEnded = 0;
  #done!: () => void;
  /** The result or exception as sent, kept in case the host asks for it again. */
  #final: Extract<RunReport, { value: unknown }> | undefined;
  readonly #importModule = (specifier: string): Promise<unknown> => this.#env.importModule(specifier);
  /** Resolves once the result or the exception has been sent. */
  readonly done = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(task: TaskMessage, env: TaskEnvironment) {
    this.#task = task;
    this.#env = env;
    this.sources = stackSources([task.main, ...task.setup]);
  }

  /**
   * Evaluates the task; resolves once it has been reported. The code runs in
   * an async scope of its own: `executionAsyncResource()` must not hand it
   * the port the task arrived on.
   */
  run(): Promise<void> {
    return new AsyncResource('REPL_SANDBOX_RUN').runInAsyncScope(() => this.#run());
  }

  /** The host could not read the final report: send it again, flatter (see {@link ResendMessage}). */
  resend(request: ResendMessage): void {
    const final = this.#final;
    if (final === undefined) return;
    const value =
      request.attempt === 1
        ? toCloneable(final.value, MAX_READABLE_DEPTH)
        : `[not transferable: the host could not read it back; inspected: ${safeInspect(final.value).slice(0, 2_000)}]`;
    try {
      this.#env.send({ ...final, value });
    } catch {
      this.#env.send({ ...final, value: '[not transferable]' });
    }
  }

  async #run(): Promise<void> {
    const env = this.#env;
    this.#started = performance.now();
    let value: unknown;
    try {
      for (const unit of this.#task.setup) await this.#evaluate(unit);
      this.#phase = 'eval';
      env.sink.begin(
        (text) => env.send({ type: 'output', text }),
        env.outputTotal,
        this.#task.maxOutput,
        env.reportOutputTotal ? (bytes) => env.send({ type: 'output-total', bytes }) : undefined,
      );
      this.#evalStarted = performance.now();
      ({ value } = await this.#evaluate(this.#task.main));
      this.#evalEnded = performance.now();
    } catch (thrown) {
      this.reportThrown(thrown);
      return this.done;
    }
    if (this.#reported) return this.done;
    this.#reported = true;
    const serializeStarted = performance.now();
    const inspected = safeInspect(value);
    this.#send({ type: 'result', value, inspected, timings: this.#timings(serializeStarted) });
    return this.done;
  }

  /** Reports a thrown value as this task's exception, unless it already reported. */
  reportThrown(thrown: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    const now = performance.now();
    if (this.#phase === 'setup') this.#evalStarted = now;
    this.#evalEnded = now;
    const description = describeThrown(thrown, (stack) => this.#env.cleanStack(stack, thrown, this.sources));
    this.#send({ type: 'exception', phase: this.#phase, ...description, value: thrown, timings: this.#timings(now) });
  }

  #timings(serializeStarted: number): EvalTimings {
    return {
      setupMs: this.#evalStarted - this.#started,
      evalMs: this.#evalEnded - this.#evalStarted,
      serializeMs: performance.now() - serializeStarted,
    };
  }

  /** Sends the final message, copying the value by hand if structured clone refuses it. */
  #send(message: Extract<RunReport, { value: unknown }>): void {
    this.#final = message;
    // Output ends here; the final total must reach the host before the result.
    this.#env.sink.end();
    try {
      this.#env.send(message);
    } catch {
      try {
        // Capped as for a host that could not read it back: what the isolate could
        // not serialize (its own stack ran out) is too deep for the host anyway.
        this.#env.send({ ...message, value: toCloneable(message.value, MAX_READABLE_DEPTH) });
      } catch (error) {
        // Still refused (e.g. nested deeper than the serializer's stack): send the text alone.
        this.#env.send({ ...message, value: `[not transferable: ${error instanceof Error ? `${error.name}: ${error.message}` : safeInspect(error)}]` });
      }
    }
    this.#done();
  }

  /**
   * Boxed, so that the async function's own resolution never awaits the value:
   * a thenable, a Proxy whose traps throw, or a polluted `Object.prototype.then`
   * must come back as values. Only real promises are awaited.
   */
  async #evaluate(unit: SourceUnit): Promise<{ value: unknown }> {
    // The one intentional eval of the library: running the caller's code is the product.
    // importModuleDynamically only where the code can use it: each Script given
    // one gets its own host-defined options, which defeats V8's compilation
    // cache and grows it, so a long-lived 'context' worker would slow down with
    // every task (measured: 0.03 -> 0.26 ms per Script over 3 000 tasks).
    const script = new vm.Script(
      unit.code,
      unit.code.includes('import')
        ? { filename: unit.filename, importModuleDynamically: this.#importModule as never }
        : { filename: unit.filename },
    );
    // displayErrors would prepend a source excerpt to runtime stacks; compile errors keep theirs.
    let value: unknown = script.runInContext(this.#env.context, { displayErrors: false });
    if (unit.async) {
      const wrapped = (await value) as { value: unknown } | undefined;
      value = wrapped?.value;
    }
    // A promise as the final value is awaited, whichever realm made it.
    if (types.isPromise(value)) value = await value;
    return { value };
  }
}
