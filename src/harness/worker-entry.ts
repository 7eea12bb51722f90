/**
 * Entry of a single-use worker isolate. Boots everything a task needs — the
 * vm context, the captured console, warm code paths — then says `ready` and
 * waits for exactly one task on its private port.
 */
import { MessagePort, workerData } from 'node:worker_threads';
import type { HarnessMessage, RunReport, WorkerBootData } from '../protocol.js';
import { createRuntime } from './runtime.js';
import { sealThread } from './seal.js';

const { port, outputTotal, cwd, harnessFile } = workerData as WorkerBootData;
// Bound now, so sandboxed code that patches MessagePort.prototype cannot intercept us,
// and taken out of workerData, where the code could reach them: the port to
// forge reports, the counter to rewrite the output total.
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with Reflect.apply on our own port
const postMessage = MessagePort.prototype.postMessage;
const send = (message: HarnessMessage): void => Reflect.apply(postMessage, port, [message]);
delete (workerData as { port?: unknown }).port;
delete (workerData as { outputTotal?: unknown }).outputTotal;
sealThread(harnessFile, true);
const runtime = createRuntime({ cwd, harnessFile, trackTimers: false, guardProcessKill: true });
const sandbox = runtime.newContext();
const { context } = sandbox;
const total = new Float64Array(outputTotal);

port.on(
  'message',
  runtime.serveOne(({ key }) => ({
    context,
    send: (report: RunReport): void => send({ ...report, key }),
    outputTotal: total,
    reportOutputTotal: false,
    keepAlive: true,
  })),
);
void runtime.warmUp(sandbox).then(() => send({ type: 'ready' }));
