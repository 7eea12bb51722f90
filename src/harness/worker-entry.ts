/**
 * Entry of a single-use worker isolate. Boots everything a task needs — the
 * vm context, the captured console, warm code paths — then says `ready` and
 * waits for exactly one task on its private port.
 */
import { workerData } from 'node:worker_threads';
import type { HarnessMessage, TaskMessage, WorkerBootData } from '../protocol.js';
import { TaskRun } from './evaluate.js';
import { createRuntime } from './runtime.js';

const { port, outputTotal, cwd, harnessFile } = workerData as WorkerBootData;
// Bound now, so sandboxed code that patches MessagePort.prototype cannot intercept us,
// and taken out of workerData, where the code could reach it and forge reports.
const send = port.postMessage.bind(port) as (message: HarnessMessage) => void;
delete (workerData as { port?: unknown }).port;
const runtime = createRuntime({ cwd, harnessFile, trackTimers: false, guardProcessKill: true });
const sandbox = runtime.newContext();
const { context } = sandbox;
const total = new Float64Array(outputTotal);

port.once('message', (task: TaskMessage) => {
  // A value that never settles leaves the worker with nothing to do: it would
  // exit by itself (code 0). Stay alive until the host kills us.
  setInterval(() => {}, 2 ** 31 - 1);
  const run = new TaskRun(task, { context, sink: runtime.sink, send, outputTotal: total, reportOutputTotal: false, importModule: runtime.importModule, cleanStack: runtime.cleanStack });
  runtime.setActive(run);
  void run.run();
});
void runtime.warmUp(sandbox).then(() => send({ type: 'ready' }));
