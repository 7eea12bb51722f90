import { setTimeout as delay } from 'node:timers/promises';
import { MessageChannel } from 'node:worker_threads';
import type * as PiscinaModule from 'piscina';
import type { Piscina } from 'piscina';
import { CONTEXT_HARNESS_FILE } from '../harness-location.js';
import type { SandboxLogger } from '../logger.js';
import type { ContextBootData, ContextTaskPayload, HarnessMessage, TaskMessage } from '../protocol.js';
import { lazyRequire } from '../lazy-require.js';
import { ReportPort } from './report-port.js';
import {
  type Acquired,
  ISOLATE_EXEC_ARGV,
  type IsolateConfig,
  type IsolateExit,
  type IsolateListener,
  type IsolateProvider,
  type Lease,
  resourceLimits,
} from './isolate.js';

/** Options of a {@link ContextPool}. */
export interface ContextPoolOptions extends IsolateConfig {
  /** Workers kept booted while idle. */
  readonly warm: number;
  /** Workers at most: one task runs in a worker at a time. */
  readonly concurrency: number;
  readonly logger: SandboxLogger;
}

/** How long an idle worker above `warm` lingers before piscina ends it. */
const IDLE_TIMEOUT_MS = 30_000;

/** Loaded with the first 'context' sandbox: other levels never need it. */
const piscina = lazyRequire<typeof PiscinaModule>('piscina');

/** How long a task that reported may take to hand its worker back before the worker is replaced. */
const RELEASE_GRACE_MS = 1_000;

/**
 * The `'context'` level: long-lived piscina workers, a fresh vm context per
 * task. piscina does what it is built for — keeping workers, replacing one
 * that a timeout or a crash ended — while the sandbox keeps its own FIFO
 * queue in front, so at most `concurrency` tasks ever reach piscina and
 * `maxQueue`, abort-while-queued and the timings behave as in `'worker'`.
 */
export class ContextPool implements IsolateProvider {
  readonly #options: ContextPoolOptions;
  readonly #warm: number;
  /** Created on first need: piscina starts its `minThreads` workers in its constructor, and nothing may boot before the first run() or warmup(). */
  #pool: Piscina<ContextTaskPayload, void> | undefined;
  #busy = 0;
  /** Resolves once a worker of the pool has booted; until then a run waits for it before its clock starts. */
  #firstBoot: Promise<void> | undefined;
  #booted = false;

  constructor(options: ContextPoolOptions) {
    this.#options = options;
    this.#warm = options.warm;
  }

  get #piscina(): Piscina<ContextTaskPayload, void> {
    this.#pool ??= this.#createPool(this.#options);
    return this.#pool;
  }

  #createPool(options: ContextPoolOptions): Piscina<ContextTaskPayload, void> {
    const workerData: ContextBootData = { cwd: options.cwd, harnessFile: CONTEXT_HARNESS_FILE };
    const pool = new (piscina().Piscina)<ContextTaskPayload, void>({
      filename: CONTEXT_HARNESS_FILE,
      minThreads: Math.min(options.warm, options.concurrency),
      maxThreads: options.concurrency,
      idleTimeout: IDLE_TIMEOUT_MS,
      // piscina's default ('sync') blocks an idle worker in Atomics.wait, so
      // its event loop stops between tasks (the Workers a task started would
      // not finish terminating). Measured both ways, back to back and 5 ms
      // apart: no difference in latency within this machine's noise.
      atomics: 'disabled',
      workerData,
      execArgv: [...ISOLATE_EXEC_ARGV],
      ...(options.env === undefined ? {} : { env: options.env as Record<string, string> }),
      ...resourceLimits(options.memoryLimit),
    });
    pool.on('error', (error: unknown) => options.logger.error({ err: error }, 'context pool worker failed'));
    // piscina replaces a worker that ended (retired, aborted) only up to minThreads, and
    // leaves queued tasks waiting for the next run() (measured: the next run timed out).
    // A ping through the queue makes it start a worker, which serves the queue in order.
    // Not from inside the event: piscina is still removing the worker then (a run() there asserts).
    pool.on('workerDestroy', () => setImmediate(() => this.#serveQueue()));
    return pool;
  }

  /** Starts a worker for tasks left queued when one ended, if piscina has none coming. */
  #serveQueue(): void {
    if (this.#closed || this.#pool === undefined || this.#pool.queueSize === 0) return;
    try {
      void this.#piscina.run({ ping: true }).catch(() => {});
    } catch {
      // The pool is closing.
    }
  }

  get warm(): number {
    // piscina may still be starting a replacement for a worker aborted just before destroy(): none is ours after close.
    if (this.#closed || this.#pool === undefined) return 0;
    return Math.max(0, this.#pool.threads.length - this.#busy);
  }

  async warmup(): Promise<void> {
    // One no-op task per worker proves each has booted and loaded the harness.
    const pings = Array.from({ length: Math.min(this.#warm, this.#piscina.maxThreads) }, () =>
      this.#piscina.run({ ping: true }),
    );
    await Promise.all(pings);
    this.#booted = true;
  }

  /**
   * The first run waits for the pool's first worker to boot, as a `'worker'`
   * run waits for its isolate: the boot counts against `queueTimeout`, not
   * against the run's `timeout` (a cold pool on a loaded machine took longer
   * than a 300 ms timeout to boot, and the code never ran).
   */
  async acquire(): Promise<Acquired> {
    if (this.#booted) return this.#lease(0);
    const started = performance.now();
    this.#firstBoot ??= this.#piscina.run({ ping: true }).then(
      () => {
        this.#booted = true;
      },
      (error: unknown) => {
        // A later run tries again.
        this.#firstBoot = undefined;
        throw error;
      },
    );
    await this.#firstBoot;
    return this.#lease(performance.now() - started);
  }

  /** Once a worker has booted, piscina queues what its workers cannot take yet: a lease is always ready. */
  takeReady(): Acquired | undefined {
    return this.#booted ? this.#lease(0) : undefined;
  }

  #lease(bootWaitMs: number): Acquired {
    return { lease: new ContextTask(this.#piscina, this.#track), bootWaitMs };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.destroy();
  }

  #closed = false;

  readonly #track = (delta: number): void => {
    this.#busy += delta;
  };
}

/** One task on the piscina pool: a run's lease on whichever worker piscina gives it. */
class ContextTask implements Lease {
  readonly #piscina: Piscina<ContextTaskPayload, void>;
  readonly #track: (delta: number) => void;
  readonly #abort = new AbortController();
  readonly #outputBytes: Float64Array;
  readonly #outputTotal: SharedArrayBuffer;
  #port: ReportPort | undefined;
  #listener: IsolateListener | undefined;
  #settled: Promise<void> = Promise.resolve();

  constructor(piscina: Piscina<ContextTaskPayload, void>, track: (delta: number) => void) {
    this.#piscina = piscina;
    this.#track = track;
    this.#outputTotal = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    this.#outputBytes = new Float64Array(this.#outputTotal);
  }

  start(task: TaskMessage, listener: IsolateListener): void {
    const { port1, port2 } = new MessageChannel();
    this.#listener = listener;
    this.#port = new ReportPort(port1, {
      report: (message) => this.#listener?.message(message),
      broken: (error) => this.#broken(error),
    });
    // The task itself travels with piscina's message; the port only has to know its key.
    this.#port.expect(task.key);
    this.#track(1);
    this.#settled = this.#piscina
      .run({ port: port2, outputTotal: this.#outputTotal, task }, { transferList: [port2], signal: this.#abort.signal })
      .then(
        () => {},
        (error: Error) => this.#listener?.exit(describeExit(error)),
      )
      .finally(() => this.#track(-1));
  }

  terminate(): Promise<HarnessMessage[]> {
    const pending = this.#port?.drain() ?? [];
    this.#stop();
    // piscina terminates the worker running an aborted task and starts another.
    this.#abort.abort();
    return Promise.resolve(pending);
  }

  outputBytes(): number {
    return this.#outputBytes[0] ?? 0;
  }

  release(): void {
    // The host has the report: closing the port tells the task it may end.
    this.#stop();
    // Its worker goes back to the pool as soon as piscina hears that the task
    // function returned (aborting now would kill a healthy worker). A worker
    // that does not get there — the code left a microtask loop running, or
    // changed what the harness relies on, so it retires — is aborted after a
    // grace period rather than left to stall the next task.
    let settled = false;
    void this.#settled.then(() => {
      settled = true;
    });
    void delay(RELEASE_GRACE_MS, undefined, { ref: false }).then(() => {
      if (!settled) this.#abort.abort();
    });
  }

  /** Forgets the listener and closes the port: whatever the code queued on it is dropped, not read. */
  #stop(): void {
    this.#listener = undefined;
    this.#port?.close();
  }

  /** A message the harness did not send: the task's worker is aborted (piscina replaces it) and the run crashes. */
  #broken(error: Error): void {
    const listener = this.#listener;
    this.#stop();
    this.#abort.abort();
    listener?.exit({ error, outOfMemory: false });
  }
}

function describeExit(error: Error & { code?: string }): IsolateExit {
  const exited = /worker exited with code: (-?\d+)/.exec(error.message);
  return {
    ...(exited?.[1] === undefined ? {} : { exitCode: Number(exited[1]) }),
    ...(exited === null ? { error } : {}),
    outOfMemory: error.code === 'ERR_WORKER_OUT_OF_MEMORY',
  };
}
