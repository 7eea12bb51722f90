import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SandboxClosedError, SandboxOverloadedError } from './errors.js';
import { Execution } from './execution.js';
import { ContextPool } from './isolates/context.js';
import { assertConfinementAvailable } from './isolates/confine.js';
import type { Acquired, IsolateProvider } from './isolates/isolate.js';
import { ProcessIsolate } from './isolates/process.js';
import { WarmPool } from './isolates/warm-pool.js';
import { WorkerIsolate } from './isolates/worker.js';
import { type SandboxLogger, sandboxLogger } from './logger.js';
import {
  checkCode,
  type ResolvedRunOptions,
  type ResolvedSandboxOptions,
  resolveRunOptions,
  resolveSandboxOptions,
  type RunOptions,
  type SandboxOptions,
} from './options.js';
import { warmPreparation } from './prepare/index.js';
import { prepareTask } from './prepare/task.js';
import type { TaskMessage } from './protocol.js';
import { abortedError, bootFailedError, CLOSED_MESSAGE, hostFailure, queueTimeoutError, type RunResult, sourceError } from './result.js';

/** The longest delay `setTimeout` honours; a longer `queueTimeout` means "never" in practice (24.8 days). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Counts of a sandbox's work, read at one instant. */
export interface SandboxStats {
  /** Evaluations started and not yet resolved. */
  readonly running: number;
  /** Evaluations waiting for a concurrency slot. */
  readonly queued: number;
  /** Isolates booted and waiting for a task. */
  readonly warm: number;
  /** Evaluations resolved, whatever their outcome. */
  readonly completed: number;
}

interface Job {
  readonly task: Omit<TaskMessage, 'key'>;
  readonly options: ResolvedRunOptions;
  readonly calledAt: number;
  readonly resolve: (result: RunResult) => void;
  /** Set while the job waits in the queue. */
  dequeueOnAbort?: () => void;
  /** Its `queueTimeout` timer, from the call until the code is handed to an isolate or the run ends. */
  queueTimer?: NodeJS.Timeout;
  /** What the `queueTimeout` timer does, where the job is waiting: in the queue, or for its isolate to boot. */
  onQueueTimeout?: () => void;
}

/**
 * Evaluates code in a fresh isolate per call, keeping isolates booted ahead
 * so that a call costs about a millisecond. Create one per application (or
 * use the module-level {@link run}); close it when done.
 *
 * @example
 * await using sandbox = createSandbox({ timeout: 5_000 });
 * const result = await sandbox.run('console.log("hi"); 6 * 7');
 * // { ok: true, output: 'hi\n', result: 42, inspected: '42', ... }
 */
export class Sandbox {
  readonly #options: ResolvedSandboxOptions;
  readonly #logger: SandboxLogger;
  readonly #pool: IsolateProvider;
  readonly #queue: Job[] = [];
  readonly #executions = new Set<Execution>();
  #running = 0;
  #completed = 0;
  #closed = false;
  /** Keeps the host alive while a run or a warmup is pending: booting isolates never do. */
  #keepAlive: NodeJS.Timeout | undefined;
  #warmups = 0;
  #closing = false;

  constructor(options?: SandboxOptions) {
    this.#options = resolveSandboxOptions(options);
    this.#logger = sandboxLogger(this.#options.logger);
    this.#pool = createProvider(this.#options, this.#logger);
  }

  /** Live counts; `{ running: 0, queued: 0 }` once every run has resolved. */
  get stats(): SandboxStats {
    return { running: this.#running, queued: this.#queue.length, warm: this.#pool.warm, completed: this.#completed };
  }

  /**
   * Evaluates `code` in a fresh isolate. Resolves with a {@link RunResult}
   * whatever the code does; rejects only for the caller's mistakes: a
   * `TypeError` for bad arguments, {@link SandboxClosedError} after `close()`,
   * {@link SandboxOverloadedError} when `maxQueue` runs already wait. A run
   * accepted but not started within its `queueTimeout` resolves too, with
   * `error.type === 'queue-timeout'`: nothing of it ran.
   */
  run(code: string, options?: RunOptions): Promise<RunResult> {
    // Not an async function: one returning a promise would add two microtask turns to every run.
    try {
      return this.#run(code, options);
    } catch (error) {
      // The caller's mistakes (TypeError, SandboxClosedError, SandboxOverloadedError) as rejections.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #run(code: string, options: RunOptions | undefined): Promise<RunResult> {
    const calledAt = performance.now();
    checkCode(code);
    const resolved = resolveRunOptions(options, this.#options.runDefaults);
    if (this.#closed) throw new SandboxClosedError();
    const prepared = prepareTask(code, resolved);
    if ('failure' in prepared) {
      this.#completed++;
      return Promise.resolve(hostFailure(sourceError(prepared.failure), calledAt, 0));
    }
    const { task } = prepared;
    if (resolved.signal?.aborted === true) {
      this.#completed++;
      return Promise.resolve(hostFailure(abortedError(resolved.signal.reason), calledAt, 0));
    }
    if (this.#running >= this.#options.concurrency && this.#queue.length >= this.#options.maxQueue) {
      this.#logger.warn({ maxQueue: this.#options.maxQueue }, 'queue full; run rejected');
      throw new SandboxOverloadedError(this.#options.maxQueue);
    }
    this.#pool.prime?.();
    this.#holdProcess();
    return new Promise<RunResult>((resolve) => {
      const job: Job = { task, options: resolved, calledAt, resolve };
      this.#armQueueTimeout(job);
      if (this.#running < this.#options.concurrency) this.#start(job);
      else this.#enqueue(job);
    });
  }

  /**
   * Boots `warm` spares and loads the host's TypeScript and top-level-await
   * preparation; resolves once all is ready. Idempotent; call it at start-up.
   * A `close()` while it waits ends it quietly (there is nothing left to
   * warm), so `sandbox.warmup()` left unawaited never becomes an unhandled
   * rejection; an isolate that fails to boot rejects it.
   */
  async warmup(): Promise<void> {
    if (this.#closed) throw new SandboxClosedError();
    this.#warmups++;
    this.#holdProcess();
    try {
      const booted = this.#pool.warmup();
      // While the spares boot in their own threads or processes.
      warmPreparation();
      await booted;
    } catch (error) {
      if (!this.#closed) throw error;
    } finally {
      this.#warmups--;
      this.#releaseProcess();
    }
  }

  /**
   * Terminates every isolate. Runs in flight or queued resolve
   * `{ ok: false, error: { type: 'aborted' } }`; later `run()` calls reject
   * with {@link SandboxClosedError}. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Isolates never hold the event loop; while they are torn down, we do, so
    // an \`await sandbox.close()\` at the end of a script settles.
    this.#closing = true;
    this.#holdProcess();
    for (const job of this.#queue.splice(0)) {
      job.dequeueOnAbort?.();
      clearTimeout(job.queueTimer);
      this.#completed++;
      job.resolve(hostFailure(abortedError(undefined, CLOSED_MESSAGE), job.calledAt, performance.now() - job.calledAt));
    }
    const results = [...this.#executions].map((execution) => {
      execution.abort(undefined, CLOSED_MESSAGE);
      return execution.result;
    });
    try {
      await Promise.all([this.#pool.close(), ...results]);
    } finally {
      this.#closing = false;
      this.#next();
    }
  }

  /** `await using sandbox = createSandbox()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Starts the job's `queueTimeout` clock, counted from the `run()` call.
   * Where the job waits sets what expiry does (see {@link Job.onQueueTimeout}).
   */
  #armQueueTimeout(job: Job): void {
    const { queueTimeout } = job.options;
    if (queueTimeout >= MAX_TIMER_DELAY) return;
    const left = queueTimeout - (performance.now() - job.calledAt);
    // Always a timer, even for 0: a run that can start at once (a free slot, a warm
    // isolate) starts before it fires. Timers count whole milliseconds of the loop's
    // clock and may fire early (measured: 998.5 ms for 1000): a run is dropped only
    // once it has waited its full queueTimeout.
    job.queueTimer = setTimeout(() => {
      if (performance.now() - job.calledAt < queueTimeout) this.#armQueueTimeout(job);
      else job.onQueueTimeout?.();
    }, Math.max(0, Math.ceil(left)));
  }

  /** Logs a run dropped by its `queueTimeout`, before it is resolved. */
  #logQueueTimeout(job: Job, waiting: 'queue' | 'boot'): void {
    const waitedMs = Math.round(performance.now() - job.calledAt);
    this.#logger.warn({ queueTimeout: job.options.queueTimeout, waitedMs, waiting, queued: this.#queue.length }, 'run not started within queueTimeout; dropped');
  }

  #enqueue(job: Job): void {
    const { signal } = job.options;
    // Out of the queue unstarted, once: by the queueTimeout or by the signal, whichever comes first.
    const leave = (): boolean => {
      const index = this.#queue.indexOf(job);
      if (index === -1) return false;
      this.#queue.splice(index, 1);
      job.dequeueOnAbort?.();
      clearTimeout(job.queueTimer);
      return true;
    };
    job.onQueueTimeout = () => {
      if (!leave()) return;
      this.#logQueueTimeout(job, 'queue');
      this.#completed++;
      const waited = performance.now() - job.calledAt;
      job.resolve(hostFailure(queueTimeoutError(job.options.queueTimeout), job.calledAt, waited));
      this.#next();
    };
    if (signal !== undefined) {
      const onAbort = (): void => {
        if (!leave()) return;
        this.#completed++;
        job.resolve(hostFailure(abortedError(signal.reason), job.calledAt, performance.now() - job.calledAt));
        this.#next();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      job.dequeueOnAbort = () => signal.removeEventListener('abort', onAbort);
    }
    this.#queue.push(job);
  }

  #start(job: Job): void {
    job.dequeueOnAbort?.();
    this.#running++;
    const startedAt = performance.now();
    const queuedMs = startedAt - job.calledAt;
    // The hot path: an isolate is ready, so the run starts now, without a promise turn.
    const ready = this.#pool.takeReady?.();
    if (ready !== undefined) {
      this.#execute(job, ready, queuedMs, (result) => this.#settle(job, result));
      return;
    }
    const { signal } = job.options;
    let settled = false;
    const settle = (result: RunResult): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbortWhileBooting);
      this.#settle(job, result);
    };
    const onAbortWhileBooting = (): void => settle(hostFailure(abortedError(signal?.reason), job.calledAt, queuedMs));
    signal?.addEventListener('abort', onAbortWhileBooting, { once: true });
    // Its slot is held, but it has not started until its isolate has the code: the
    // boot wait counts, and the isolate, when it comes, goes back to the pool.
    job.onQueueTimeout = () => {
      if (settled) return;
      this.#logQueueTimeout(job, 'boot');
      settle(hostFailure(queueTimeoutError(job.options.queueTimeout), job.calledAt, queuedMs, performance.now() - startedAt));
    };
    this.#pool.acquire().then(
      (acquired) => {
        if (settled) {
          acquired.giveBack?.();
          return;
        }
        signal?.removeEventListener('abort', onAbortWhileBooting);
        this.#execute(job, acquired, queuedMs, settle);
      },
      (error: Error) => {
        settle(hostFailure(this.#closed ? abortedError(undefined, CLOSED_MESSAGE) : bootFailedError(error), job.calledAt, queuedMs));
      },
    );
  }

  /** Hands the job's task to its lease. From here the run's own `timeout` bounds it. */
  #execute(job: Job, { lease, bootWaitMs }: Acquired, queuedMs: number, settle: (result: RunResult) => void): void {
    clearTimeout(job.queueTimer);
    const execution = new Execution(lease, {
      options: job.options,
      calledAt: job.calledAt,
      queuedMs,
      bootMs: bootWaitMs > 0 ? bootWaitMs : undefined,
      logger: this.#logger,
      onResult: (result) => {
        this.#executions.delete(execution);
        settle(result);
        this.#pool.settled?.();
      },
    });
    this.#executions.add(execution);
    execution.start(job.task);
  }

  /** A started job has its result: free its slot and start the next. */
  #settle(job: Job, result: RunResult): void {
    clearTimeout(job.queueTimer);
    this.#running--;
    this.#completed++;
    job.resolve(result);
    this.#next();
  }

  #next(): void {
    while (this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift();
      if (job !== undefined) this.#start(job);
    }
    this.#releaseProcess();
  }

  /** One timer per sandbox, ref'd while work is pending: cheaper per run than a new one each time. */
  #holdProcess(): void {
    if (this.#keepAlive === undefined) this.#keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    else this.#keepAlive.ref();
  }

  #releaseProcess(): void {
    if (this.#running > 0 || this.#queue.length > 0 || this.#warmups > 0 || this.#closing) return;
    if (this.#closed) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    } else {
      this.#keepAlive?.unref();
    }
  }
}

/** The isolates of an isolation level. */
function createProvider(options: ResolvedSandboxOptions, logger: SandboxLogger): IsolateProvider {
  const { cwd, env, memoryLimit, warm, concurrency } = options;
  if (options.isolation === 'context') {
    return new ContextPool({ cwd, env, memoryLimit, warm, concurrency, logger });
  }
  // Never a weaker level in its place: where bubblewrap cannot run, createSandbox() throws.
  if (options.isolation === 'confined') assertConfinementAvailable();
  const { permissions, confine } = options;
  const launch =
    options.isolation === 'worker'
      ? () => new WorkerIsolate({ cwd, env, memoryLimit })
      : () => new ProcessIsolate({ cwd, env, memoryLimit, permissions, confine });
  return new WarmPool(launch, {
    warm,
    // One boot per core, plus one: part of a boot waits (thread start, file
    // reads), so one extra keeps the cores busy, and more only slow each other.
    // Measured at concurrency 8 on 2 cores: 2 in flight 50/s, 3 58/s, 4 56/s
    // (bare spawn loop at its best: 59.5/s).
    maxBooting: availableParallelism() + 1,
    logger,
  });
}

/**
 * Creates a {@link Sandbox}. Nothing boots until the first `run()` or `warmup()`.
 * @param options - defaults for every run, plus the sandbox's own settings.
 */
export function createSandbox(options?: SandboxOptions): Sandbox {
  return new Sandbox(options);
}

let defaultSandbox: Sandbox | undefined;

/**
 * Evaluates `code` in a fresh isolate of a lazily created default sandbox,
 * whose idle isolates never keep the process alive: a script that calls
 * `run()` once exits by itself.
 *
 * @example
 * const { output, result } = await run('console.log("hi"); 6 * 7');
 */
export function run(code: string, options?: RunOptions): Promise<RunResult> {
  defaultSandbox ??= new Sandbox();
  return defaultSandbox.run(code, options);
}
