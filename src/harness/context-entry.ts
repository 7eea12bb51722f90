/**
 * Entry of a long-lived `'context'` pool worker (loaded by piscina). Every
 * task gets a fresh vm context, built while the worker was idle; what the
 * task left running in it (timers) is cleared when it ends.
 */
import type * as ConsoleModule from 'node:console';
import type * as Events from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as Util from 'node:util';
import type * as Vm from 'node:vm';
import { MessagePort, type Worker, workerData } from 'node:worker_threads';
import type { ContextBootData, ContextTaskPayload, HarnessMessage, HostMessage, RunReport } from '../protocol.js';
import { createDynamicImport, type SandboxContext } from './context.js';
import { recordIntegrity, type Watched } from './integrity.js';
import { createRuntime } from './runtime.js';
import { closeParentPort, sealThread } from './seal.js';

const { cwd, harnessFile } = workerData as ContextBootData;
// Taken before any task runs: a task may replace the prototype's method.
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with Reflect.apply on our own port
const postMessage = MessagePort.prototype.postMessage;
sealThread(harnessFile, false);
// Taken before any task runs: the code may replace process.exit, and a worker that retires must still end.
const exitWorker = process.exit.bind(process);
const runtime = createRuntime({ cwd, harnessFile, trackTimers: true, guardProcessKill: true, keepAlive: false });
const liveWorkers = trackWorkers();
// Tasks share this worker's process object: give each the environment the worker started with.
const bootEnv = { ...process.env };
let next: SandboxContext | undefined;
// piscina sends tasks once this module has loaded; the warm-up is quick and
// ordered before any task's own microtasks, so the first task waits for nothing.
const warmContext = runtime.newContext();
let intact: () => boolean = () => true;
const warm = runtime
  .warmUp(warmContext)
  // The first import() starts Node's ESM loader, which changes objects the
  // integrity check watches: start it here, before the snapshot, or the
  // first task that imports retires its worker.
  .then(() => createDynamicImport(cwd, harnessFile)('path').catch(() => {}))
  .then(() => {
  warmContext.dispose();
  // After the warm-up: what loads lazily on the first task has loaded.
  intact = recordIntegrity(harnessCritical());
  next ??= runtime.newContext();
});
let parentPortClosed = false;

/** Runs one task in a fresh context; resolves once its result or exception is sent. */
export default async function runContextTask(payload: ContextTaskPayload): Promise<void> {
  if ('ping' in payload) return warm;
  const { port, outputTotal, task } = payload;
  const resourcesBefore = liveResources();
  await warm;
  if (!parentPortClosed) {
    // piscina said it is ready on the Worker's public port before it sent any
    // task, and never uses it again: closed, the code cannot flood the host with it.
    closeParentPort();
    parentPortClosed = true;
  }
  const sandbox = next ?? runtime.newContext();
  next = undefined;
  const { key } = task;
  const send = (report: RunReport): void => Reflect.apply(postMessage, port, [{ ...report, key } satisfies HarnessMessage]);
  const { run, finished } = runtime.runTask(task, { context: sandbox.context, send, outputTotal: new Float64Array(outputTotal), reportOutputTotal: false });
  port.on('message', (message: HostMessage) => {
    if (message.type === 'resend') run.resend(message);
  });
  let clean = true;
  try {
    await finished;
    // The host may still ask for the report again; it closes the port when it has it.
    await new Promise<void>((resolve) => port.once('close', resolve));
  } finally {
    runtime.setActive(undefined);
    // Each step on its own: one the code broke must not skip the others, and retires the worker.
    for (const step of [sandbox.dispose, restoreEnv, runtime.restore, () => port.close()]) {
      try {
        step();
      } catch {
        clean = false;
      }
    }
  }
  // Give the worker back only once its event loop turns again: code that left
  // a microtask loop running never gets here, and the host replaces the worker.
  await new Promise<void>((resolve) => setImmediate(resolve));
  // Workers the code started end with its task, as they would with a worker isolate.
  for (const worker of liveWorkers) void worker.terminate();
  // Code that left something running besides timers (a child process, a
  // Worker, a socket) would reach into later tasks: never hand this worker
  // back: it exits, and piscina replaces it.
  if (leftBehind(resourcesBefore, liveResources())) retire();
  // Code that changed what the harness relies on could forge every later
  // task's report: retire this worker the same way.
  if (!clean || !intact()) retire();
  // The next task's context is built now, after this task's report went out
  // and before piscina hears the worker is free: a task sent at once goes to
  // another worker instead of waiting ~1 ms behind this build.
  next ??= runtime.newContext();
}

/**
 * The main-realm objects whose properties the harness and every task's
 * context rely on. `process` is shared by design (documented): only the
 * methods the harness or the guards stand on are watched there.
 */
function harnessCritical(): Watched[] {
  const load = createRequire(harnessFile);
  const util = load('node:util') as typeof Util;
  const vm = load('node:vm') as typeof Vm;
  const { Console } = load('node:console') as typeof ConsoleModule;
  const events = load('node:events') as typeof Events;
  const whole: object[] = [
    globalThis, Object, Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype,
    Promise, Promise.prototype, Reflect, JSON, Error, Error.prototype, Map.prototype, Set.prototype, Symbol,
    util, util.types, vm, vm.Script.prototype, load('node:worker_threads') as object, MessagePort.prototype,
    events.EventEmitter.prototype, Console.prototype, load('node:async_hooks') as object, load('node:perf_hooks') as object,
    process.stdout, process.stderr,
  ];
  const processMethods = ['kill', 'exit', 'reallyExit', 'nextTick', '_getActiveHandles', 'binding', 'stdout', 'stderr', 'env'];
  return [...whole.map((target) => ({ target })), { target: process, keys: processMethods }];
}

function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in bootEnv)) delete process.env[key];
  Object.assign(process.env, bootEnv);
}

/** Resources that keep the event loop busy, by type; ours (ports) and timers (cleared per task) are not counted. */
function liveResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'MessagePort' || type === 'Timeout' || type === 'Immediate') continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function leftBehind(before: Map<string, number>, after: Map<string, number>): boolean {
  for (const [type, count] of after) if (count > (before.get(type) ?? 0)) return true;
  return false;
}

/**
 * Makes `Worker` (from `require` and `import` alike) remember the threads the
 * code starts, so they can be ended with the task: they do not show up in
 * `process.getActiveResourcesInfo()`.
 */
function trackWorkers(): Set<Worker> {
  const live = new Set<Worker>();
  // The mutable CommonJS module object that both require() and import see.
  const threads = createRequire(harnessFile)('node:worker_threads') as { Worker: typeof Worker };
  const Original = threads.Worker;
  class TrackedWorker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      live.add(this);
      this.once('exit', () => live.delete(this));
    }
  }
  threads.Worker = TrackedWorker;
  syncBuiltinESMExports();
  return live;
}

/**
 * Ends this worker: piscina replaces it. It exits rather than hangs for the
 * host to abort it: piscina, aborting a running task, may hand the next
 * queued task (and the private port in it) to the dying worker, and that
 * task's report then never reaches the host.
 */
function retire(): never {
  exitWorker(0);
  // process.exit in a worker stops the thread at its next turn: nothing after this runs.
  throw new Error('unreachable');
}
