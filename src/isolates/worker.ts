import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { WORKER_HARNESS_FILE } from '../harness-location.js';
import type { HarnessMessage, TaskMessage, WorkerBootData } from '../protocol.js';
import { drainPort } from './drain.js';
import { isHarnessMessage, malformedError } from './validate.js';
import { ISOLATE_EXEC_ARGV, type Isolate, type IsolateConfig, type IsolateExit, type IsolateListener } from './isolate.js';

/**
 * The `'worker'` level: a `worker_threads` Worker running the harness, with a
 * private MessagePort whose receiving end the host holds, so output sent
 * before a kill is drained, not lost.
 */
export class WorkerIsolate implements Isolate {
  readonly id: number;
  readonly ready: Promise<void>;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #outputBytes: Float64Array;
  #listener: IsolateListener | undefined;
  #error: Error | undefined;
  #exited = false;
  #killed = false;

  constructor(config: IsolateConfig) {
    const { port1, port2 } = new MessageChannel();
    const outputTotal = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    this.#outputBytes = new Float64Array(outputTotal);
    this.#port = port1;
    const workerData: WorkerBootData = { port: port2, outputTotal, cwd: config.cwd, harnessFile: WORKER_HARNESS_FILE };
    this.#worker = new Worker(WORKER_HARNESS_FILE, {
      workerData,
      transferList: [port2],
      execArgv: [...ISOLATE_EXEC_ARGV],
      ...(config.env === undefined ? {} : { env: config.env }),
      ...(config.memoryLimit === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: config.memoryLimit } }),
    });
    this.id = this.#worker.threadId;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#port.on('message', (message: unknown) => {
        if (!isHarnessMessage(message)) {
          this.#error ??= malformedError('a malformed message');
          this.#kill(false);
          return;
        }
        if (message.type === 'ready') resolve();
        else this.#listener?.message(message);
      });
      this.#worker.on('error', (error) => {
        this.#error = error;
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

  start(task: TaskMessage, listener: IsolateListener): void {
    this.#listener = listener;
    this.#worker.ref();
    this.#port.postMessage(task);
  }

  terminate(): Promise<HarnessMessage[]> {
    // Drain before the kill: messages still queued on the port die with it.
    const pending = this.#killed ? [] : drainPort(this.#port);
    this.#kill();
    return Promise.resolve(pending);
  }

  release(): void {
    this.#kill();
  }

  outputBytes(): number {
    return this.#outputBytes[0] ?? 0;
  }

  /** @param quiet - forget the listener first: a kill of ours is no crash to report. */
  #kill(quiet = true): void {
    if (this.#killed) return;
    this.#killed = true;
    if (quiet) this.#listener = undefined;
    const closePort = (): void => this.#port.close();
    if (this.#exited) closePort();
    else void this.#worker.terminate().finally(closePort);
  }
}
