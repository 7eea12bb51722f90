import { performance } from 'node:perf_hooks';
import { inspect, types } from 'node:util';
import * as vm from 'node:vm';
import type { EvalTimings, HarnessMessage, SourceUnit, TaskMessage } from '../protocol.js';
import { toCloneable } from './clone.js';
import type { OutputSink } from './output.js';
import { describeThrown } from './thrown.js';

/** What a task needs from the isolate it runs in. */
export interface EvaluationEnvironment {
  readonly context: vm.Context;
  readonly sink: OutputSink;
  /** Posts a message to the host; throws a DataCloneError for an uncloneable message. */
  readonly send: (message: HarnessMessage) => void;
  readonly importModule: (specifier: string) => Promise<unknown>;
  /** Trims a stack to the user's frames. */
  readonly cleanStack: (stack: string, userFiles: readonly string[]) => string;
}

/**
 * Runs the one task of this isolate: setup (not captured), then the code,
 * awaiting its value; reports exactly one `result` or `exception`. An error
 * thrown asynchronously (a timer callback, an unhandled rejection) before the
 * value settles is that exception.
 */
export async function runTask(task: TaskMessage, env: EvaluationEnvironment): Promise<void> {
  const userFiles = [task.main.filename, ...task.setup.map((unit) => unit.filename)];
  const clean = (stack: string): string => env.cleanStack(stack, userFiles);
  let phase: 'setup' | 'eval' = 'setup';
  let reported = false;
  const started = performance.now();
  let evalStarted = started;
  let evalEnded = started;
  const timings = (serializeStarted: number): EvalTimings => ({
    setupMs: evalStarted - started,
    evalMs: evalEnded - evalStarted,
    serializeMs: performance.now() - serializeStarted,
  });
  const sendCloned = (message: Extract<HarnessMessage, { value: unknown }>): void => {
    try {
      env.send(message);
    } catch {
      env.send({ ...message, value: toCloneable(message.value) });
    }
  };
  const reportThrown = (thrown: unknown): void => {
    if (reported) return;
    reported = true;
    if (phase === 'eval') evalEnded = performance.now();
    else evalStarted = evalEnded = performance.now();
    const serializeStarted = performance.now();
    const description = describeThrown(thrown, clean);
    sendCloned({ type: 'exception', phase, ...description, value: thrown, timings: timings(serializeStarted) });
  };
  process.on('uncaughtException', reportThrown);
  process.on('unhandledRejection', reportThrown);
  // A value that never settles leaves the worker with nothing to do: it would
  // exit by itself (code 0). Stay alive until the host's timeout kills us.
  setInterval(() => {}, 2 ** 31 - 1);

  env.sink.setMax(task.maxOutput);
  let value: unknown;
  try {
    for (const unit of task.setup) await evaluate(unit, env);
    phase = 'eval';
    env.sink.capturing = true;
    evalStarted = performance.now();
    value = await evaluate(task.main, env);
    evalEnded = performance.now();
  } catch (thrown) {
    reportThrown(thrown);
    return;
  }
  if (reported) return;
  reported = true;
  const serializeStarted = performance.now();
  const inspected = safeInspect(value);
  sendCloned({ type: 'result', value, inspected, timings: timings(serializeStarted) });
}

async function evaluate(unit: SourceUnit, env: EvaluationEnvironment): Promise<unknown> {
  // The one intentional eval of the library: running the caller's code is the product.
  const script = new vm.Script(unit.code, {
    filename: unit.filename,
    importModuleDynamically: ((specifier: string) => env.importModule(specifier)) as never,
  });
  // displayErrors would prepend a source excerpt to runtime stacks; compile errors keep theirs.
  let value: unknown = script.runInContext(env.context, { displayErrors: false });
  if (unit.async) {
    const wrapped = (await value) as { value: unknown } | undefined;
    value = wrapped?.value;
  }
  // A promise as the final value is awaited, whichever realm made it.
  if (types.isPromise(value)) value = await value;
  return value;
}

function safeInspect(value: unknown): string {
  try {
    return inspect(value);
  } catch (error) {
    return `[uninspectable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
