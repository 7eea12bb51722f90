import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SandboxClosedError, SandboxOverloadedError } from '../errors.js';
import { type SandboxLogger, sandboxLogger } from '../logger.js';
import { checkCode, checkKnownKeys, checkOption, fail, RUN_KEYS, type RunOptions, SANDBOX_ONLY_KEYS } from '../options.js';
import { abortedError, hostFailure, queueTimeoutError, type RunError, type RunResult } from '../result.js';
import { checkConnection, checkName, DEFAULT_PREFIX, DEFAULT_QUEUE, describeConnection, type QueueConnection } from './options.js';
import { openRedis } from './redis.js';
import { QueueUnavailableError } from './errors.js';
import { channels, decodeReply, decodeResult, type JobData, optionsToWire, WIRE_RUN_KEYS, WIRE_VERSION, type WireResult, type WireRunOptions } from './wire.js';

/** Options of {@link createQueueSandbox}. The {@link RunOptions} among them are defaults for every run. */
export interface QueueSandboxOptions extends Omit<RunOptions, 'onOutput' | 'signal'> {
  /** Where Redis is: a `redis://` URL or ioredis connection options. */
  readonly connection: QueueConnection;
  /**
   * The BullMQ queue the executors take runs from.
   * @default 'repl-sandbox'
   */
  readonly queue?: string;
  /**
   * BullMQ's key prefix; executors must use the same.
   * @default 'bull'
   */
  readonly prefix?: string;
  /**
   * Runs allowed to wait in the queue (all applications together); one more
   * rejects with `SandboxOverloadedError`. A finite value costs one more
   * Redis round trip per run.
   * @default Infinity
   */
  readonly maxQueue?: number;
  /**
   * Times a run lost with its executor (killed, machine gone) is queued
   * again before it resolves `crashed` / `lost`. The code may then have run
   * more than once, part-way, so the default never retries.
   * @default 0
   */
  readonly retries?: number;
  /**
   * How long a run waits for Redis: at the call, when not connected, and
   * for a connection lost while runs are pending. Past it `run()` rejects
   * with {@link QueueUnavailableError}.
   * @default 5_000
   */
  readonly connectTimeout?: number;
  /** A pino-compatible logger; silent by default. */
  readonly logger?: SandboxLogger;
}

/** How often pending runs are checked against Redis: their executor's lock, a missed result, a vanished job. */
const WATCH_INTERVAL_MS = 1_000;

/** One run waiting for its reply. */
interface Pending {
  readonly calledAt: number;
  readonly resolve: (result: RunResult) => void;
  readonly reject: (error: Error) => void;
  readonly onOutput: ((chunk: string) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly data: JobData;
  /** The job's id now (a retry is a new job). */
  id: string;
  /** Set once `Queue.add` answered: before that the watch has nothing to look at. */
  added: boolean;
  /** The `Queue.add` of the job now; settles once it answered (either way). */
  adding: Promise<void>;
  retriesLeft: number;
  /** Set when the caller aborted and the job was already running: the cancel is sent again until the result comes. */
  cancelled: boolean;
  cleanup: () => void;
}

/**
 * The application's side of a fleet: `run()` puts the code on a BullMQ
 * queue and resolves with the `RunResult` an executor ({@link startQueueWorker})
 * sends back over Redis pub/sub. See the README's "Scaling out".
 */
export class QueueSandbox {
  readonly #queue: Queue;
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  readonly #where: string;
  readonly #keyPrefix: string;
  readonly #replyChannel: string;
  readonly #cancelChannel: string;
  readonly #clientId = randomBytes(6).toString('hex');
  readonly #pending = new Map<string, Pending>();
  readonly #defaults: { queueTimeout?: number } & WireRunOptions;
  readonly #maxQueue: number;
  readonly #retries: number;
  readonly #connectTimeout: number;
  readonly #logger: SandboxLogger;
  readonly #subscribed: Promise<unknown>;
  #sequence = 0;
  #watch: NodeJS.Timeout | undefined;
  #disconnectedAt: number | undefined;
  #lastError: Error | undefined;
  #closed = false;
  /** `Queue.add` calls on their way: close() lets them land before it withdraws their jobs. */
  readonly #adding = new Set<Promise<void>>();
  /** The wait for a connection, while there is one. */
  #ready: Promise<void> | undefined;

  constructor(options: QueueSandboxOptions) {
    if (typeof options !== 'object' || options === null) fail('options', 'an object with `connection`', options);
    checkNotExecutorOption(options, 'createQueueSandbox()');
    checkKnownKeys(options, [...RUN_KEYS.filter((key) => key !== 'onOutput' && key !== 'signal'), 'connection', 'queue', 'prefix', 'maxQueue', 'retries', 'connectTimeout', 'logger'], 'createQueueSandbox()');
    const connection = checkConnection(options.connection);
    const queue = checkName('queue', options.queue, DEFAULT_QUEUE);
    const prefix = checkName('prefix', options.prefix, DEFAULT_PREFIX);
    this.#defaults = checkRunOptions(options as unknown as Record<string, unknown>);
    this.#maxQueue = options.maxQueue === undefined ? Infinity : checkOption('maxQueue', options.maxQueue);
    this.#retries = options.retries === undefined ? 0 : checkOption('warm', options.retries, 'retries');
    this.#connectTimeout = options.connectTimeout === undefined ? 5_000 : checkOption('timeout', options.connectTimeout, 'connectTimeout');
    this.#logger = sandboxLogger(options.logger).child({ queue });
    this.#where = describeConnection(connection);
    this.#keyPrefix = `${prefix}:${queue}:`;
    ({ reply: this.#replyChannel, cancel: this.#cancelChannel } = channels(prefix, queue, this.#clientId));
    this.#commands = openRedis(connection, { failFast: true, name: 'repl-sandbox-client' });
    this.#subscriber = openRedis(connection, { failFast: false, name: 'repl-sandbox-replies' });
    for (const client of [this.#commands, this.#subscriber]) {
      client.on('error', (error: Error) => {
        this.#lastError = error;
      });
    }
    this.#subscriber.on('close', () => {
      this.#disconnectedAt ??= performance.now();
    });
    this.#subscriber.on('ready', () => {
      this.#disconnectedAt = undefined;
    });
    this.#subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#reply(message.toString('utf8')));
    // Subscribed before the first job goes out, so no reply can be missed.
    this.#subscribed = this.#subscriber.subscribe(this.#replyChannel).catch((error: unknown) => {
      this.#lastError = error as Error;
    });
    this.#queue = new Queue(queue, { connection: this.#commands, prefix });
    this.#queue.on('error', (error: Error) => {
      this.#lastError = error;
    });
  }

  /** Runs `code` on an executor; resolves with its `RunResult`, as a local sandbox would. */
  async run(code: string, options?: RunOptions): Promise<RunResult> {
    const calledAt = performance.now();
    checkCode(code);
    if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options', 'an object', options);
    const given = checkRunOptions((options ?? {}) as Record<string, unknown>, 'run()');
    if (this.#closed) throw new SandboxClosedError();
    const { onOutput, signal } = options ?? {};
    if (onOutput !== undefined && typeof onOutput !== 'function') fail('onOutput', 'a function', onOutput);
    if (signal !== undefined && !(signal instanceof AbortSignal)) fail('signal', 'an AbortSignal', signal);
    if (signal?.aborted === true) return hostFailure(abortedError(signal.reason), calledAt, 0);
    // Only options given here or as defaults: the executor fills in its own for the rest.
    const { queueTimeout = Infinity, ...wire }: { queueTimeout?: number } & WireRunOptions = { ...this.#defaults, ...given };
    await this.#connected();
    if (this.#maxQueue !== Infinity) {
      const waiting = await this.#command(() => this.#queue.getWaitingCount());
      if (waiting >= this.#maxQueue) throw new SandboxOverloadedError(this.#maxQueue);
    }
    const data: JobData = { v: WIRE_VERSION, code, options: optionsToWire(wire), reply: this.#replyChannel, stream: onOutput !== undefined };
    // Aborted while this call waited for Redis: the listener below would never hear it.
    if (aborted(signal)) return hostFailure(abortedError(signal?.reason), calledAt, performance.now() - calledAt);
    if (this.#closed) throw new SandboxClosedError();
    return new Promise<RunResult>((resolve, reject) => {
      const pending: Pending = {
        calledAt,
        resolve,
        reject,
        onOutput,
        signal,
        data,
        id: this.#nextId(),
        added: false,
        adding: Promise.resolve(),
        retriesLeft: this.#retries,
        cancelled: false,
        cleanup: () => {},
      };
      // The longest delay setTimeout honours; a longer queueTimeout means "never".
      const timer = queueTimeout < 2 ** 31 - 1 ? setTimeout(() => void this.#unstart(pending, queueTimeoutError(queueTimeout)), queueTimeout) : undefined;
      const onAbort = (): void => void this.#unstart(pending, abortedError(signal?.reason), true);
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#add(pending);
    });
  }

  /** Jobs waiting for an executor, as BullMQ counts them (all applications on this queue). */
  async waiting(): Promise<number> {
    await this.#connected();
    return this.#command(() => this.#queue.getWaitingCount());
  }

  /**
   * Stops taking runs. Pending runs resolve `aborted`: a waiting one is
   * taken off the queue first (it never runs), a running one is told to
   * stop on its executor. Then the connections close.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    const pending = [...this.#pending.values()];
    // Resolved first, so that an add still on its way withdraws its own job when it lands.
    for (const run of pending) {
      this.#finish(run, hostFailure(abortedError(undefined, 'The queue sandbox was closed'), run.calledAt, performance.now() - run.calledAt));
    }
    if (this.#commands.status === 'ready') {
      await Promise.all(pending.filter((run) => run.added).map((run) => this.#withdraw(run)));
      await Promise.allSettled([...this.#adding]);
    }
    await this.#queue.close().catch(() => {});
    this.#subscriber.disconnect();
    this.#commands.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #nextId(): string {
    // Not a bare integer (BullMQ's own ids are) and no ':' (BullMQ's key separator).
    return `${this.#clientId}-${(this.#sequence++).toString(36)}`;
  }

  #add(pending: Pending): void {
    this.#pending.set(pending.id, pending);
    this.#startWatch();
    const id = pending.id;
    const adding = this.#subscribed
      .then(() =>
        this.#command(() =>
          this.#queue.add('run', pending.data, {
            jobId: id,
            attempts: 1,
            // Kept a minute: a result whose message was missed (Redis reconnecting) is read from here.
            removeOnComplete: { age: 60 },
            removeOnFail: { age: 60 },
          }),
        ),
      )
      .then(
        async () => {
          pending.added = true;
          // Resolved (aborted, queue-timeout, closed) while the add was on its way: the job must not run for nobody.
          if (this.#pending.get(id) !== pending) await this.#withdraw(pending);
        },
        (error: Error) => {
          if (this.#pending.get(id) !== pending) return;
          this.#drop(pending);
          pending.reject(error);
        },
      )
      .finally(() => this.#adding.delete(adding));
    this.#adding.add(adding);
    pending.adding = adding;
  }

  /** Takes a job of a run already resolved off the queue, or, if an executor has it, tells it to stop. */
  async #withdraw(pending: Pending): Promise<void> {
    const removed = await this.#queue.remove(pending.id).catch(() => 0);
    if (removed !== 1) this.#sendCancel(pending);
  }

  /**
   * Takes a run off the queue before an executor has it: for `queueTimeout`
   * and `signal`. A run whose add is still on its way is first let land, so
   * that it is either removed (it never runs) or known to have started.
   * Once started, an abort is sent to its executor and the run resolves with
   * the executor's `aborted` result (and the output so far); a queueTimeout
   * no longer applies.
   */
  async #unstart(pending: Pending, error: RunError, cancelIfStarted = false): Promise<void> {
    const id = pending.id;
    if (this.#pending.get(id) !== pending) return;
    if (!pending.added) await pending.adding;
    if (this.#pending.get(id) !== pending) return;
    // BullMQ refuses to remove a job an executor holds the lock of: then it has started.
    const removed = (await this.#queue.remove(id).catch(() => 0)) === 1;
    if (this.#pending.get(id) !== pending) return;
    if (removed) {
      this.#finish(pending, hostFailure(error, pending.calledAt, performance.now() - pending.calledAt));
    } else if (cancelIfStarted) {
      pending.cancelled = true;
      this.#sendCancel(pending);
    }
  }

  #sendCancel(pending: Pending): void {
    this.#commands.publish(this.#cancelChannel, pending.id).catch(() => {});
  }

  #reply(text: string): void {
    let reply;
    try {
      reply = decodeReply(text);
    } catch (error) {
      this.#logger.warn({ err: error }, 'unreadable reply on the queue channel; ignored');
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    if (reply.type === 'out') {
      try {
        pending.onOutput?.(reply.body);
      } catch (error) {
        // As locally: a throwing listener does not end the run.
        this.#logger.warn({ err: error }, 'onOutput threw; ignored');
      }
      return;
    }
    this.#settle(pending, reply.body);
  }

  #settle(pending: Pending, text: string): void {
    let wire: WireResult;
    try {
      wire = decodeResult(text);
    } catch (error) {
      this.#finish(pending, hostFailure({ type: 'crashed', reason: 'error', message: `The executor's result could not be read: ${(error as Error).message}` }, pending.calledAt, performance.now() - pending.calledAt));
      return;
    }
    const durationMs = performance.now() - pending.calledAt;
    const { result, executorMs } = wire;
    // The time on the way to and from the executor counts as queued.
    const queuedMs = result.timings.queuedMs + Math.max(0, durationMs - executorMs);
    const timings = { ...result.timings, queuedMs };
    // The executor aborted it for our signal: the reason is the caller's, as locally.
    if (!result.ok && result.error.type === 'aborted' && pending.cancelled) {
      this.#finish(pending, { ...result, durationMs, timings, error: abortedError(pending.signal?.reason) });
      return;
    }
    this.#finish(pending, { ...result, durationMs, timings });
  }

  #finish(pending: Pending, result: RunResult): void {
    if (this.#pending.get(pending.id) !== pending) return;
    this.#drop(pending);
    pending.resolve(result);
  }

  #drop(pending: Pending): void {
    this.#pending.delete(pending.id);
    pending.cleanup();
    if (this.#pending.size === 0) {
      clearInterval(this.#watch);
      this.#watch = undefined;
    }
  }

  #startWatch(): void {
    if (this.#watch !== undefined) return;
    this.#watch = setInterval(() => void this.#check(), WATCH_INTERVAL_MS);
    // Pending runs keep the process alive through their promises' callers, not through this timer.
    this.#watch.unref();
  }

  /**
   * Every pending run against Redis: a result whose message was missed, a
   * job whose executor stopped renewing its lock (killed: `crashed`/`lost`,
   * or queued again with `retries`), a job Redis no longer has.
   */
  async #check(): Promise<void> {
    if (this.#disconnectedAt !== undefined || this.#commands.status !== 'ready') {
      const since = this.#disconnectedAt ?? performance.now();
      this.#disconnectedAt = since;
      if (performance.now() - since < this.#connectTimeout) return;
      for (const pending of [...this.#pending.values()]) {
        this.#drop(pending);
        pending.reject(this.#unavailable(`lost contact with Redis for ${this.#connectTimeout} ms while the run was pending: whether it ran is unknown`));
      }
      return;
    }
    const watched = [...this.#pending.values()].filter((pending) => pending.added);
    if (watched.length === 0) return;
    const pipeline = this.#commands.pipeline();
    for (const { id } of watched) {
      // `name` is set on every job: null means the job is gone.
      pipeline.hmget(this.#keyPrefix + id, 'name', 'processedOn', 'finishedOn');
      pipeline.exists(`${this.#keyPrefix + id}:lock`);
    }
    let answers: [Error | null, unknown][] | null;
    try {
      answers = await pipeline.exec();
    } catch {
      return;
    }
    if (answers === null) return;
    watched.forEach((pending, i) => {
      const [fieldsError, fields] = answers[i * 2] ?? [null, null];
      if (fieldsError != null || !Array.isArray(fields)) return;
      const [name, processedOn, finishedOn] = fields as (string | null)[];
      const exists = name != null;
      const locked = answers[i * 2 + 1]?.[1] === 1;
      if (pending.cancelled) this.#sendCancel(pending);
      if (!exists) {
        this.#drop(pending);
        pending.reject(this.#unavailable('the job is gone from Redis (restarted without persistence, or removed by hand): whether it ran is unknown'));
      } else if (finishedOn != null) {
        void this.#readFinished(pending);
      } else if (processedOn != null && !locked) {
        void this.#lost(pending);
      }
    });
  }

  /** A finished job whose result message this client did not get. */
  async #readFinished(pending: Pending): Promise<void> {
    const id = pending.id;
    const job = await this.#queue.getJob(id).catch(() => undefined);
    if (job === undefined || this.#pending.get(id) !== pending) return;
    if (typeof job.returnvalue === 'string') {
      this.#settle(pending, job.returnvalue);
      return;
    }
    const stalled = /stalled/i.test(job.failedReason);
    this.#finish(
      pending,
      hostFailure(
        stalled ? lostError() : { type: 'crashed', reason: 'error', message: `The executor failed the run: ${job.failedReason}` },
        pending.calledAt,
        performance.now() - pending.calledAt,
      ),
    );
  }

  /** The executor running this job stopped renewing its lock: it is gone. */
  async #lost(pending: Pending): Promise<void> {
    const id = pending.id;
    // Removed, so no executor's stalled check ever runs it again (BullMQ's default would).
    await this.#queue.remove(id).catch(() => 0);
    if (this.#pending.get(id) !== pending) return;
    this.#logger.warn({ job: id, retriesLeft: pending.retriesLeft }, 'executor lost during a run');
    if (pending.retriesLeft > 0) {
      this.#pending.delete(id);
      pending.retriesLeft--;
      pending.added = false;
      pending.id = this.#nextId();
      this.#add(pending);
      return;
    }
    this.#finish(pending, hostFailure(lostError(), pending.calledAt, performance.now() - pending.calledAt));
  }

  /** Resolves once the command connection is ready; one wait shared by every run that asks meanwhile. */
  #connected(): Promise<void> {
    if (this.#commands.status === 'ready') return Promise.resolve();
    this.#ready ??= new Promise<void>((resolve, reject) => {
      const client = this.#commands;
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        this.#ready = undefined;
      };
      // Infinity (or beyond what setTimeout honours): wait for ever.
      const timer =
        this.#connectTimeout < 2 ** 31 - 1
          ? setTimeout(() => {
              done();
              reject(this.#unavailable(`not connected within ${this.#connectTimeout} ms (connectTimeout)`));
            }, this.#connectTimeout)
          : undefined;
      const onReady = (): void => {
        done();
        resolve();
      };
      client.on('ready', onReady);
    });
    return this.#ready;
  }

  /** A Redis command; a failure is the caller's QueueUnavailableError, not the code's result. */
  async #command<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw this.#unavailable((error as Error).message, error);
    }
  }

  #unavailable(what: string, cause: unknown = this.#lastError): QueueUnavailableError {
    return new QueueUnavailableError(`Redis at ${this.#where} is unavailable: ${what}${cause instanceof Error && !what.includes(cause.message) ? ` (${cause.message})` : ''}; the run was not completed`, cause);
  }
}

/** Whether `signal` is aborted now (a call, so that TypeScript does not keep an earlier check's narrowing across an await). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function lostError(): RunError {
  return { type: 'crashed', reason: 'lost', message: 'The executor running the code was lost (killed, or its machine gone) before it sent a result' };
}

/**
 * A sandbox's own option (`isolation`, `memoryLimit`, `warm`…) given to the
 * application's side: it belongs to the executors, which make the sandboxes.
 */
function checkNotExecutorOption(options: object, where: string): void {
  for (const key of Object.keys(options)) {
    // The client has its own maxQueue (the queue's waiting jobs) and logger.
    if (key === 'maxQueue' || key === 'logger') continue;
    if (!SANDBOX_ONLY_KEYS.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    throw new TypeError(`\`${key}\` is an executor's option: give it to startQueueWorker() (or the repl-sandbox worker flag), not to ${where}`);
  }
}

/**
 * The run options among `options` that travel with a job, and `queueTimeout`,
 * checked; only those given (an executor fills in its own defaults for the rest).
 */
function checkRunOptions(options: Readonly<Record<string, unknown>>, where?: string): { queueTimeout?: number } & WireRunOptions {
  if (where !== undefined) {
    checkNotExecutorOption(options, where);
    checkKnownKeys(options, RUN_KEYS, where);
  }
  const out: Record<string, unknown> = {};
  for (const key of [...WIRE_RUN_KEYS, 'queueTimeout'] as const) {
    if (options[key] !== undefined) out[key] = checkOption(key, options[key]);
  }
  return out;
}

/**
 * The application's side of a fleet of executors on Redis: the same `run()`
 * and `RunResult` as {@link createSandbox}, the code run by whichever
 * executor ({@link startQueueWorker}) takes it from the BullMQ queue.
 * @example
 * const remote = createQueueSandbox({ connection: 'redis://127.0.0.1:6379', timeout: 10_000 });
 * try {
 *   const result = await remote.run('console.log("hi"); 6 * 7');
 * } finally {
 *   await remote.close();
 * }
 */
export function createQueueSandbox(options: QueueSandboxOptions): QueueSandbox {
  return new QueueSandbox(options);
}
