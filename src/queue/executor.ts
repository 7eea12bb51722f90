import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type SandboxLogger, sandboxLogger } from '../logger.js';
import { checkKnownKeys, fail, SANDBOX_KEYS, type SandboxOptions } from '../options.js';
import { createSandbox, type Sandbox } from '../sandbox.js';
import { checkConnection, checkLockDuration, checkName, DEFAULT_PREFIX, DEFAULT_QUEUE, type QueueConnection } from './options.js';
import { openRedis } from './redis.js';
import { cancelChannel, encodeReply, encodeResult, type JobData, optionsFromWire, WIRE_VERSION } from './wire.js';

/** Options of {@link startQueueWorker}: where the queue is, plus any {@link SandboxOptions} for the runs. */
export interface QueueWorkerOptions extends SandboxOptions {
  /** Where Redis is: a `redis://` URL or ioredis connection options. */
  readonly connection: QueueConnection;
  /**
   * The BullMQ queue to take runs from.
   * @default 'repl-sandbox'
   */
  readonly queue?: string;
  /**
   * BullMQ's key prefix; the applications must use the same.
   * @default 'bull'
   */
  readonly prefix?: string;
  /**
   * Milliseconds of BullMQ's lock on a running job, renewed every half of
   * it. An executor that dies mid-run is noticed once its lock expires: its
   * runs resolve `crashed` / `lost` within about `lockDuration` plus one
   * second. Shorter notices sooner, at the risk of a false "lost" when this
   * process's event loop stalls for longer than it.
   * @default 10_000
   */
  readonly lockDuration?: number;
}

/** How long a cancel for a job this executor has not started yet is remembered (it may start it next). */
const CANCEL_MEMORY_MS = 60_000;

/**
 * An executor: takes runs from the queue, runs each in its own local
 * sandbox, and publishes output and result back to the application.
 */
export class QueueWorker {
  readonly #sandbox: Sandbox;
  readonly #worker: Worker;
  readonly #publisher: Redis;
  readonly #cancels: Redis;
  /** BullMQ's worker's connection: BullMQ does not close a connection it was given. */
  readonly #taking: Redis;
  readonly #running = new Map<string, AbortController>();
  /** Cancels heard for jobs not (yet) running here, with when. */
  readonly #cancelled = new Map<string, number>();
  readonly #logger: SandboxLogger;
  #closing: Promise<void> | undefined;

  /** Use {@link startQueueWorker}. */
  constructor(options: QueueWorkerOptions) {
    if (typeof options !== 'object' || options === null) fail('options', 'an object with `connection`', options);
    checkKnownKeys(options, [...SANDBOX_KEYS, 'connection', 'queue', 'prefix', 'lockDuration'], 'startQueueWorker()');
    const { connection: given, queue: queueGiven, prefix: prefixGiven, lockDuration: lockGiven, ...sandboxOptions } = options;
    const connection = checkConnection(given);
    const queue = checkName('queue', queueGiven, DEFAULT_QUEUE);
    const prefix = checkName('prefix', prefixGiven, DEFAULT_PREFIX);
    const lockDuration = checkLockDuration(lockGiven);
    this.#sandbox = createSandbox(sandboxOptions);
    this.#logger = sandboxLogger(options.logger).child({ queue });
    this.#publisher = openRedis(connection, { failFast: false, name: 'repl-sandbox-executor' });
    this.#cancels = openRedis(connection, { failFast: false, name: 'repl-sandbox-cancels' });
    for (const client of [this.#publisher, this.#cancels]) client.on('error', () => {});
    this.#cancels.on('message', (_channel: string, id: string) => this.#cancel(id));
    void this.#cancels.subscribe(cancelChannel(prefix, queue)).catch(() => {});
    this.#taking = openRedis(connection, { failFast: false, name: 'repl-sandbox-worker' });
    // ioredis reconnects for ever: one warning per outage, not one per attempt.
    let unavailable = false;
    this.#taking.on('error', (error: Error) => {
      if (unavailable) return;
      unavailable = true;
      this.#logger.warn({ err: error }, 'Redis unavailable; reconnecting');
    });
    this.#taking.on('ready', () => {
      if (unavailable) this.#logger.info({}, 'Redis reachable again');
      unavailable = false;
    });
    this.#worker = new Worker(queue, (job: Job) => this.#process(job), {
      connection: this.#taking,
      prefix,
      concurrency: sandboxOptions.concurrency ?? availableParallelism(),
      lockDuration,
      // A job whose executor died is failed, never run again: code has side effects.
      // (The application also removes it as soon as it notices the lost lock.)
      maxStalledCount: 0,
      stalledInterval: lockDuration,
      autorun: false,
    });
    // Connection errors are the outage warning's (once); BullMQ repeats them for every attempt.
    this.#worker.on('error', (error: Error) => {
      if (!unavailable && this.#taking.status === 'ready') this.#logger.warn({ err: error }, 'queue worker error');
    });
    // Redis answered that the lock is not ours any more: the job is gone (its
    // caller saw it lost and removed it, or Redis restarted empty). Nobody
    // waits for the result; the slot goes to a run somebody waits for.
    this.#worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) {
        const controller = this.#running.get(id);
        if (controller === undefined) continue;
        this.#logger.warn({ job: id }, 'the job is gone from Redis: its run is aborted');
        controller.abort(new Error('The job is gone from the queue'));
      }
    });
  }

  /** Boots the sandbox's warm isolates, then starts taking runs. */
  async start(): Promise<void> {
    await this.#sandbox.warmup();
    void this.#worker.run().catch((error: unknown) => this.#logger.error({ err: error }, 'queue worker stopped'));
    await this.#worker.waitUntilReady();
  }

  /** Runs taking place on this executor now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Stops taking runs, lets the running ones finish (each within its
   * `timeout`) and sends their results, then leaves the queue. With
   * `{ abort: true }` the running ones are aborted instead (their callers get
   * `aborted`). Safe to call more than once.
   */
  close({ abort = false }: { readonly abort?: boolean } = {}): Promise<void> {
    if (abort) for (const controller of this.#running.values()) controller.abort(new Error('The executor is shutting down'));
    this.#closing ??= (async () => {
      // With Redis gone nothing can be reported or acknowledged: stop
      // reconnecting and close without waiting for what needs Redis.
      // quit() waits for Redis to answer, which it may never do (down): disconnect() does not.
      const disconnect = (): void => {
        for (const client of [this.#publisher, this.#cancels, this.#taking]) client.disconnect();
      };
      const reachable = this.#taking.status === 'ready';
      if (!reachable) disconnect();
      await this.#worker.close(abort || !reachable);
      await this.#sandbox.close();
      disconnect();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #process(job: Job): Promise<string> {
    const started = performance.now();
    const data = job.data as JobData;
    if (data.v !== WIRE_VERSION) throw new Error(`job ${job.id ?? '?'} has wire version ${String(data.v)}, this executor speaks ${WIRE_VERSION}: run the same repl-sandbox version on both sides`);
    const id = job.id ?? '';
    const controller = new AbortController();
    if (this.#cancelled.delete(id)) controller.abort();
    this.#running.set(id, controller);
    const publish = (message: string): void => {
      this.#publisher.publish(data.reply, message).catch(() => {});
    };
    try {
      const result = await this.#sandbox.run(data.code, {
        ...optionsFromWire(data.options as Readonly<Record<string, unknown>>),
        signal: controller.signal,
        ...(data.stream ? { onOutput: (chunk: string) => publish(encodeReply({ type: 'out', id, body: chunk })) } : {}),
      });
      const text = encodeResult({ result, executorMs: performance.now() - started });
      // Published on the same connection as the output, so after it; also the job's return value, for a caller that missed it.
      publish(encodeReply({ type: 'result', id, body: text }));
      return text;
    } finally {
      this.#running.delete(id);
    }
  }

  #cancel(id: string): void {
    const controller = this.#running.get(id);
    if (controller !== undefined) {
      controller.abort();
      return;
    }
    const now = Date.now();
    this.#cancelled.set(id, now);
    for (const [key, at] of this.#cancelled) {
      if (now - at < CANCEL_MEMORY_MS) break;
      this.#cancelled.delete(key);
    }
  }
}

/**
 * Starts an executor: a local sandbox (any {@link SandboxOptions}; `concurrency`
 * runs at once) that takes runs from the BullMQ queue and sends each result
 * back to the application that queued it. Resolves once its warm isolates
 * have booted and it is taking runs.
 * @example
 * const executor = await startQueueWorker({ connection: 'redis://127.0.0.1:6379', isolation: 'worker', concurrency: 2 });
 * process.once('SIGTERM', () => void executor.close());
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const worker = new QueueWorker(options);
  try {
    await worker.start();
  } catch (error) {
    await worker.close().catch(() => {});
    throw error;
  }
  return worker;
}
