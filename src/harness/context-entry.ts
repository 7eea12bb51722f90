/**
 * Entry of a long-lived `'context'` pool worker (loaded by piscina). Every
 * task gets a fresh vm context, built while the worker was idle; what the
 * task left running in it (timers) is cleared when it ends.
 */
import { workerData } from 'node:worker_threads';
import type { ContextBootData, ContextTaskPayload, HarnessMessage } from '../protocol.js';
import type { SandboxContext } from './context.js';
import { TaskRun } from './evaluate.js';
import { createRuntime } from './runtime.js';

const { cwd, harnessFile } = workerData as ContextBootData;
const runtime = createRuntime({ cwd, harnessFile, trackTimers: true, guardProcessKill: true });
// Tasks share this worker's process object: give each the environment the worker started with.
const bootEnv = { ...process.env };
let next: SandboxContext | undefined;
// piscina sends tasks once this module has loaded; the warm-up is quick and
// ordered before any task's own microtasks, so the first task waits for nothing.
const warmContext = runtime.newContext();
const warm = runtime.warmUp(warmContext).then(() => {
  warmContext.dispose();
  next ??= runtime.newContext();
});

/** Runs one task in a fresh context; resolves once its result or exception is sent. */
export default async function runContextTask({ port, outputTotal, task }: ContextTaskPayload): Promise<void> {
  if (task === undefined) {
    port.close();
    return;
  }
  await warm;
  const sandbox = next ?? runtime.newContext();
  next = undefined;
  const send = port.postMessage.bind(port) as (message: HarnessMessage) => void;
  const run = new TaskRun(task, {
    context: sandbox.context,
    sink: runtime.sink,
    send,
    outputTotal: new Float64Array(outputTotal),
    reportOutputTotal: false,
    importModule: runtime.importModule,
    cleanStack: runtime.cleanStack,
  });
  runtime.setActive(run);
  try {
    await run.run();
  } finally {
    runtime.setActive(undefined);
    sandbox.dispose();
    restoreEnv();
    port.close();
    // Build the next task's context after this reply, while the worker idles.
    setImmediate(() => {
      next ??= runtime.newContext();
    });
  }
}

function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in bootEnv)) delete process.env[key];
  Object.assign(process.env, bootEnv);
}
