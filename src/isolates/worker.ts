import { MessageChannel, Worker } from 'node:worker_threads';
import { WORKER_BOOT_FILE, WORKER_HARNESS_FILE } from '../harness-location.js';
import type { HarnessMessage, TaskMessage, WorkerBootData } from '../protocol.js';
import { acceptCodeCache, codeCacheForBoot } from './code-cache.js';
import { ReportPort } from './report-port.js';
import { ISOLATE_EXEC_ARGV, type Isolate, type IsolateConfig, type IsolateExit, type IsolateListener, resourceLimits } from './isolate.js';

/**
 * The `'worker'` level: a `worker_threads` Worker running the harness, with a
 * private MessagePort whose receiving end the host holds, so output sent
 * before a kill is drained, not lost. Every message on it must carry the
 * run's key; the first that does not stops the worker.
 */
export class WorkerIsolate implements Isolate {
  readonly id: number;
  readonly ready: Promise<void>;
  readonly #worker: Worker;
  readonly #port: ReportPort;
  readonly #outputBytes: Float64Array;
  readonly #wanted: Int32Array;
  #listener: IsolateListener | undefined;
  #error: Error | undefined;
  #exited = false;
  #killed = false;

  constructor(config: IsolateConfig) {
    const { port1, port2 } = new MessageChannel();
    const outputTotal = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    this.#outputBytes = new Float64Array(outputTotal);
    const wanted = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.#wanted = new Int32Array(wanted);
    const workerData: WorkerBootData = { port: port2, outputTotal, wanted, cwd: config.cwd, harnessFile: WORKER_HARNESS_FILE, ...codeCacheForBoot() };
    this.#worker = new Worker(WORKER_BOOT_FILE, {
      workerData,
      transferList: [port2],
      execArgv: [...ISOLATE_EXEC_ARGV],
      // The worker's own stdio never reaches the host's. These streams are never
      // read: Node's worker stdio waits for the reader's acknowledgement before
      // it sends the next batch, so even a way around the harness's mute gets
      // one batch to the host and buffers the rest in the worker's own memory
      // (reading them cost ~0.1 ms a run: one more message to the worker).
      stdout: true,
      stderr: true,
      ...(config.env === undefined ? {} : { env: config.env }),
      ...resourceLimits(config.memoryLimit),
    });
    this.id = this.#worker.threadId;
    let booted!: () => void;
    this.#port = new ReportPort(port1, {
      report: (message) => {
        if (message.type !== 'ready') return this.#listener?.message(message);
        acceptCodeCache(message.codeCache);
        booted();
      },
      broken: (error) => this.#broken(error),
    });
    this.ready = new Promise<void>((resolve, reject) => {
      booted = resolve;
      this.#worker.on('error', (error) => {
        this.#error ??= error;
      });
      this.#worker.on('exit', (exitCode) => {
        this.#exited = true;
        reject(this.#error ?? new Error(`The worker exited with code ${exitCode} while booting`));
        const exit: IsolateExit = {
          exitCode,
          ...(this.#error === undefined ? {} : { error: this.#error }),
          outOfMemory: (this.#error as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY',
        };
        this.#listener?.exit(exit);
      });
    });
    // Idle and booting isolates never keep the host's event loop alive.
    this.ready.catch(() => {});
    this.#port.unref();
    this.#worker.unref();
  }

  want(): void {
    Atomics.store(this.#wanted, 0, 1);
  }

  start(task: TaskMessage, listener: IsolateListener): void {
    this.#listener = listener;
    this.#worker.ref();
    this.#port.start(task);
  }

  terminate(): Promise<HarnessMessage[]> {
    // Drain before the kill: messages still queued on the port die with it.
    const pending = this.#port.drain();
    this.#kill();
    return Promise.resolve(pending);
  }

  release(): void {
    this.#kill();
  }

  outputBytes(): number {
    return this.#outputBytes[0] ?? 0;
  }

  /** The channel cannot be trusted any more: stop the worker at once, dropping what it queued, and report it as crashed. */
  #broken(error: Error): void {
    if (this.#killed) return;
    this.#error ??= error;
    this.#kill(false);
    if (this.#exited) this.#listener?.exit({ error, outOfMemory: false });
  }

  /** @param quiet - forget the listener first: a kill of ours is no crash to report. */
  #kill(quiet = true): void {
    if (this.#killed) return;
    this.#killed = true;
    if (quiet) this.#listener = undefined;
    // Closed now: whatever the code queued on the port is freed, not read.
    this.#port.close();
    if (!this.#exited) void this.#worker.terminate();
  }
}
