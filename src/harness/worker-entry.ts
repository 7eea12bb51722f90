/**
 * Entry of a single-use worker isolate. Boots everything a task needs — the
 * vm context, the captured console, warm code paths — then says `ready` and
 * waits for exactly one task on its private port.
 */
import { MessagePort, workerData } from 'node:worker_threads';
import type { HarnessMessage, RunReport, WorkerBootData } from '../protocol.js';
import { createRuntime } from './runtime.js';
import { sealThread } from './seal.js';

const { port, outputTotal, wanted, cwd, harnessFile, produceCodeCache } = workerData as WorkerBootData;
// Set by the boot script (worker-boot.ts) that compiled this bundle.
const boot = module as unknown as { produceCodeCache?: () => Uint8Array; load?: (specifier: string) => Promise<unknown> };
const codeCache = boot.produceCodeCache;
// Bound now, so sandboxed code that patches MessagePort.prototype cannot intercept us,
// and taken out of workerData, where the code could reach them: the port to
// forge reports, the counter to rewrite the output total.
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with Reflect.apply on our own port
const postMessage = MessagePort.prototype.postMessage;
const send = (message: HarnessMessage): void => Reflect.apply(postMessage, port, [message]);
delete (workerData as { port?: unknown }).port;
delete (workerData as { outputTotal?: unknown }).outputTotal;
delete (workerData as { wanted?: unknown }).wanted;
sealThread(harnessFile, true);
const runtime = createRuntime({ cwd, harnessFile, trackTimers: false, guardProcessKill: true, keepAlive: true, ...(boot.load === undefined ? {} : { load: boot.load }) });
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
  })),
);
// A caller already waits for this isolate: its task would wait for the
// warm-up, which saves that task about what it costs. Only a spare that will
// idle gains from it.
// The code cache, when the host asks for one, is made after the warm-up: it
// then holds every function the hot path compiled.
const ready = (): void => send(produceCodeCache === true && codeCache !== undefined ? { type: 'ready', codeCache: codeCache() } : { type: 'ready' });
if (Atomics.load(new Int32Array(wanted), 0) === 1) ready();
else void runtime.warmUp(sandbox).then(ready);
