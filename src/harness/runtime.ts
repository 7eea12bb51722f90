import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { captureProcessStreams, createCapturedConsole } from './console.js';
import { createDynamicImport, createSandboxContext, type SandboxContext } from './context.js';
import type * as vm from 'node:vm';
import type { HostMessage, RunReport, TaskMessage } from '../protocol.js';
import { TaskRun } from './evaluate.js';
import { OutputSink } from './output.js';
import { StackFormatter, type StackSources } from './stack.js';
import { describeThrown } from './thrown.js';

/** Where a task runs and how its reports reach the host: what differs between isolate entries. */
export interface TaskIo {
  readonly context: vm.Context;
  /**
   * Posts a report to the host, stamped with the run's key by the entry (in
   * the message on a port, in the frame header on a pipe): the key lives in
   * the entry's closures only.
   */
  readonly send: (report: RunReport) => void;
  /** Shared cell for the total bytes printed, when the host reads one. */
  readonly outputTotal: Float64Array | undefined;
  /** Without a shared cell, the total is sent as `output-total` messages instead. */
  readonly reportOutputTotal: boolean;
}

/** What every isolate entry sets up once, whatever runs its tasks. */
export interface HarnessRuntime {
  readonly sink: OutputSink;
  /**
   * Puts back what a task may have replaced of the isolate's own output path
   * (`process.stdout.write`, `process.stderr.write`, the realm's
   * `Error.prepareStackTrace`), for isolates that run more than one task.
   */
  readonly restore: () => void;
  readonly importModule: (specifier: string) => Promise<unknown>;
  /**
   * Trims `thrown`'s stack to the user's frames, with the columns of the code
   * as written (unless this runtime's stack formatter already did both).
   */
  readonly cleanStack: (stack: string, thrown: unknown, sources: StackSources) => string;
  /** A fresh vm context wired to this runtime's console. */
  newContext(): SandboxContext;
  /** The task that asynchronous errors (uncaught exceptions, unhandled rejections) belong to. */
  setActive(run: TaskRun | undefined): void;
  /**
   * Starts `task` in `io.context` as the active task (see {@link setActive}).
   * `finished` resolves once its result or exception has been sent.
   */
  runTask(task: TaskMessage, io: TaskIo): { readonly run: TaskRun; readonly finished: Promise<void> };
  /**
   * The host's messages to a single-use isolate: the first task is started
   * with the `io` that `ioFor` gives it (the key's home), later tasks are
   * ignored, and resend requests go to the running task.
   */
  serveOne(ioFor: (task: TaskMessage) => TaskIo): (message: HostMessage) => void;
  /**
   * Runs a throwaway task through the whole hot path (compile, evaluate,
   * capture, inspect, report) in `context`. A fresh isolate runs everything
   * cold — lazily compiled functions, uninitialized caches — and this moves
   * that cost from the caller's first task to the spare's boot. The warm-up
   * code declares nothing, so the context the caller gets is still pristine.
   */
  warmUp(context: SandboxContext): Promise<void>;
}

/**
 * Boots the parts of the harness that live as long as the isolate: output
 * capture of `console` and the process streams, module loading from `cwd`,
 * the stack cleaner, and the routing of asynchronous errors to the running
 * task.
 */
export function createRuntime(options: {
  cwd: string;
  harnessFile: string;
  trackTimers: boolean;
  /** In-process levels: `process.kill` aimed at the host's own process ends this isolate instead. */
  guardProcessKill: boolean;
  /**
   * A single-use isolate: a value that never settles would leave it with
   * nothing to do, and it would exit by itself (code 0). It stays alive until
   * the host kills it. Armed at boot: the first timer of a thread costs
   * ~0.1 ms, which the task would otherwise pay (measured in a fresh worker).
   */
  keepAlive: boolean;
  /** How the harness imports, when its own `import()` cannot (see `createDynamicImport`). */
  load?: (specifier: string) => Promise<unknown>;
}): HarnessRuntime {
  if (options.keepAlive) setInterval(() => {}, 2 ** 31 - 1);
  const sink = new OutputSink();
  let active: TaskRun | undefined;
  // A worker's boot script (worker-boot.cjs) sits beside the bundle: the directory marks both.
  const stacks = new StackFormatter(['node:vm', path.dirname(options.harnessFile) + path.sep], () => active?.sources);
  // Node's own errors (fs, net, DataCloneError…) are made in this realm: fix theirs too.
  Error.prepareStackTrace = stacks.prepareStackTrace;
  const cleanHeld = (stack: string, holder: object): string => stacks.clean(stack, holder);
  const restoreStreams = captureProcessStreams(sink);
  if (options.guardProcessKill) guardProcessKill();
  const route = (thrown: unknown): void => {
    if (active !== undefined) return active.reportThrown(thrown);
    // Between tasks (a 'context' worker) or at boot: nobody to report to, and
    // this isolate is no longer clean. End it; its pool replaces it.
    process.exit(70);
  };
  captureUncaught(route);
  process.on('unhandledRejection', route);
  const runtime: HarnessRuntime = {
    sink,
    restore: () => {
      restoreStreams();
      Error.prepareStackTrace = stacks.prepareStackTrace;
    },
    importModule: createDynamicImport(options.cwd, options.harnessFile, options.load),
    cleanStack: stacks.clean,
    newContext: () =>
      // A console of its own per context: one task reassigning console.log must not print into the next.
      createSandboxContext({ console: createCapturedConsole(sink, cleanHeld), cwd: options.cwd, trackTimers: options.trackTimers, formatStack: stacks.prepareStackTrace }),
    setActive: (run) => {
      active = run;
    },
    runTask: (task, { context, send, outputTotal, reportOutputTotal }) => {
      const run = new TaskRun(task, { context, sink, send, outputTotal, reportOutputTotal, importModule: runtime.importModule, cleanStack: stacks.clean });
      active = run;
      return { run, finished: run.run() };
    },
    serveOne: (ioFor) => {
      let run: TaskRun | undefined;
      return (message) => {
        if (message.type === 'resend') run?.resend(message);
        else if (run === undefined) run = runtime.runTask(message, ioFor(message)).run;
      };
    },
    warmUp: async ({ context }) => {
      const unit = { code: 'console.log("warm", { up: [1] }); [new Date(0), new Map([[1, "x"]])]', filename: '<warmup>', async: false };
      const warmTask: TaskMessage = { type: 'run', key: '', setup: [unit], main: unit, maxOutput: 100 };
      const discard = (): void => {};
      const { run, finished } = runtime.runTask(warmTask, { context, send: discard, outputTotal: undefined, reportOutputTotal: false });
      try {
        await finished;
      } finally {
        // Until a real task starts, an asynchronous error still ends the isolate (see route).
        if (active === run) active = undefined;
      }
      describeThrown(new Error('warm'), (stack) => stacks.fix(stack, { userFiles: ['<warmup>'], columns: new Map() }));
    },
  };
  return runtime;
}

/**
 * A worker shares its process with the host, so `process.kill(process.pid)`
 * would kill the host. Signals aimed at our own process (or its group) end
 * only this isolate, the way the signal would end a process of its own:
 * exit code 128 + signal number. Best effort: a shell `kill` is not caught.
 */
function guardProcessKill(): void {
  const kill = process.kill.bind(process);
  const ownTargets = new Set([process.pid, 0, -process.pid]);
  process.kill = (pid: number, signal?: string | number): true => {
    if (!ownTargets.has(Number(pid))) return kill(pid, signal);
    const number = typeof signal === 'number' ? signal : osConstants.signals[(signal ?? 'SIGTERM') as NodeJS.Signals];
    if (number === 0) return true;
    process.exit(128 + (number ?? 15));
  };
}

/**
 * Every uncaught exception goes to `route`, even when the code removes every
 * `'uncaughtException'` and `'unhandledRejection'` listener: with no capture,
 * Node would hand the thrown value to the host — a worker serializes it for
 * its 'error' event, and the host's deserializer overflows its stack on a
 * deeply nested one (measured: the host died). The capture callback is
 * Node's own one-slot hook; the code may not replace it (the `domain` module,
 * which needs it, is unavailable as a consequence).
 */
function captureUncaught(route: (thrown: unknown) => void): void {
  process.setUncaughtExceptionCaptureCallback(route);
  Reflect.defineProperty(process, 'setUncaughtExceptionCaptureCallback', {
    configurable: false,
    writable: false,
    value: function setUncaughtExceptionCaptureCallback(): never {
      const error = new Error('The uncaught exception capture callback belongs to the sandbox') as Error & { code: string };
      error.code = 'ERR_SANDBOX_CAPTURE_CALLBACK';
      throw error;
    },
  });
}
