import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { PROCESS_HARNESS_FILE } from '../harness-location.js';
import type { PermissionProfile } from '../options.js';
import type { HarnessMessage, HostMessage, ProcessBootData, TaskMessage } from '../protocol.js';
import { encodeFrame, FrameReader } from './frames.js';
import { permissionFlags } from './permissions.js';
import { forgedError, isHarnessMessage, isRunReport, malformedError, Resends, unreadableError } from './validate.js';
import { ISOLATE_EXEC_ARGV, type Isolate, type IsolateConfig, type IsolateExit, type IsolateListener } from './isolate.js';

/** A `'process'` isolate may also run under Node's permission model. */
export interface ProcessIsolateConfig extends IsolateConfig {
  readonly permissions: PermissionProfile | undefined;
}

/** RSS a Node process needs before the code allocates anything; the watchdog adds it to `memoryLimit`. */
const BASE_RSS_MB = 96;
const WATCH_INTERVAL_MS = 50;
/** How long a killed child may take to close its pipes before we stop waiting for its last messages. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The `'process'` level: a child process running the harness, in its own
 * process group so that a kill takes whatever it spawned with it. A
 * `memoryLimit` bounds the V8 heap (`--max-old-space-size`) and, through a
 * watchdog on the child's RSS, Buffers and everything else too.
 */
export class ProcessIsolate implements Isolate {
  readonly id: number;
  readonly ready: Promise<void>;
  readonly #child: ChildProcess;
  readonly #reports: Readable;
  readonly #reader: FrameReader;
  #key: string | undefined;
  readonly #resends = new Resends(
    (attempt) => this.#send({ type: 'resend', attempt }),
    (error) => this.#broken(error),
  );
  readonly #memoryLimit: number | undefined;
  readonly #closed: Promise<void>;
  #listener: IsolateListener | undefined;
  #outputBytes = 0;
  #stderrTail = '';
  #killedForMemory = false;
  #watchdog: NodeJS.Timeout | undefined;
  #killed = false;
  #protocolError: Error | undefined;

  constructor(config: ProcessIsolateConfig) {
    this.#memoryLimit = config.memoryLimit;
    const boot: ProcessBootData = { cwd: config.cwd, harnessFile: PROCESS_HARNESS_FILE };
    const execArgv = [
      ...ISOLATE_EXEC_ARGV,
      ...(config.memoryLimit === undefined ? [] : [`--max-old-space-size=${config.memoryLimit}`]),
      ...(config.permissions === undefined ? [] : permissionFlags(config.permissions)),
    ];
    this.#child = spawn(process.execPath, [...execArgv, PROCESS_HARNESS_FILE, JSON.stringify(boot)], {
      cwd: config.cwd,
      env: config.env ?? process.env,
      // Pipes only: stdin carries the task in, fd 3 the reports out, stderr
      // says why a child died. No Node IPC channel: its internal messages
      // (NODE_HANDLE_ACK…), sent by the code with process.send, make Node's
      // own code in the host assert. fd 1 goes nowhere.
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      // Its own process group: killing the group kills what the code spawned.
      detached: true,
    });
    this.id = this.#child.pid ?? -1;
    this.#reports = this.#child.stdio[3] as Readable;
    // The child may close its stdin or exit before the task arrives: never an error in the host.
    this.#child.stdin?.on('error', () => {});
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      // Only the tail matters: it says why a process died (e.g. heap out of memory).
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4096);
    });
    this.#closed = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    let booted!: () => void;
    this.#reader = new FrameReader({
      // The frame header carried the right key (the boot key before the task): the shape is what is left to check.
      message: (message) => {
        if (this.#killed && this.#protocolError !== undefined) return;
        if (this.#key === undefined) {
          if (isHarnessMessage(message, undefined)) booted();
          else this.#broken(forgedError());
          return;
        }
        if (!isRunReport(message)) return this.#broken(forgedError());
        this.#resends.settle();
        if (message.type === 'output-total') this.#outputBytes = message.bytes;
        else this.#listener?.message({ ...message, key: this.#key });
      },
      unreadable: () => {
        if (this.#key === undefined) return this.#broken(unreadableError());
        this.#resends.unreadable();
      },
      corrupt: (error) => this.#broken(malformedError(error.message)),
    });
    this.ready = new Promise<void>((resolve, reject) => {
      booted = resolve;
      this.#reports.on('data', (chunk: Buffer) => this.#reader.push(chunk));
      this.#child.once('error', reject);
      this.#child.once('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
        clearInterval(this.#watchdog);
        const exit = this.#describeExit(exitCode, signal);
        const how = exit.signal === undefined ? `exit code ${exitCode}` : exit.signal;
        reject(new Error(`The isolate process ended while booting (${how})${this.#stderrTail === '' ? '' : `: ${this.#stderrTail.trim()}`}`));
        this.#listener?.exit(exit);
      });
    });
    this.ready.catch(() => {});
    // Idle and booting isolates never keep the host's event loop alive.
    this.#unref();
  }

  start(task: TaskMessage, listener: IsolateListener): void {
    this.#listener = listener;
    this.#key = task.key;
    this.#reader.expect(task.key);
    this.#child.ref();
    (this.#reports as { ref?: () => void }).ref?.();
    this.#send(task);
    if (this.#memoryLimit !== undefined && process.platform === 'linux') this.#watchMemory(this.#memoryLimit);
  }

  async terminate(): Promise<HarnessMessage[]> {
    this.#kill();
    // Reports already in the pipe are still read after the kill; they arrive
    // through the listener before the child's 'close'.
    await Promise.race([this.#closed, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
    this.#listener = undefined;
    return [];
  }

  release(): void {
    this.#listener = undefined;
    this.#kill();
  }

  outputBytes(): number {
    return this.#outputBytes;
  }

  #send(message: HostMessage): void {
    this.#child.stdin?.write(encodeFrame(message));
  }

  #kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    this.#resends.settle();
    clearInterval(this.#watchdog);
    const { pid } = this.#child;
    if (pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      this.#child.kill('SIGKILL');
    }
  }

  /** The report stream cannot be trusted any more: stop the child, report it as crashed. */
  #broken(error: Error): void {
    this.#protocolError ??= error;
    this.#kill();
  }

  #unref(): void {
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stderr, this.#reports]) (stream as { unref?: () => void } | null)?.unref?.();
  }

  #watchMemory(limitMb: number): void {
    const limitKb = (limitMb + BASE_RSS_MB) * 1024;
    this.#watchdog = setInterval(() => {
      if (residentKb(this.id) <= limitKb) return;
      this.#killedForMemory = true;
      this.#kill();
    }, WATCH_INTERVAL_MS);
  }

  #describeExit(exitCode: number | null, signal: NodeJS.Signals | null): IsolateExit {
    const outOfMemory = this.#killedForMemory || /heap out of memory|Reached heap limit/.test(this.#stderrTail);
    if (this.#protocolError !== undefined) return { ...(exitCode === null ? {} : { exitCode }), error: this.#protocolError, outOfMemory };
    if (signal === null) {
      // Node reports an error nobody caught on stderr, then exits with 1: surface it like a worker's 'error'.
      const uncaught = exitCode === 1 ? /^([\w$]*Error): (.*)$/m.exec(this.#stderrTail) : null;
      if (uncaught === null) return { exitCode: exitCode ?? 0, outOfMemory };
      const error = new Error(uncaught[2]);
      error.name = uncaught[1] ?? 'Error';
      return { exitCode: 1, error, outOfMemory };
    }
    return { exitCode: 128 + (osConstants.signals[signal] ?? 0), signal, outOfMemory };
  }
}

/** Resident set size of a process in KiB (Linux), 0 when it cannot be read. */
function residentKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}
