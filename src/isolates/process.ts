import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { PROCESS_HARNESS_FILE } from '../harness-location.js';
import type { PermissionProfile, ResolvedConfine } from '../options.js';
import type { HarnessMessage, HostMessage, ProcessBootData, TaskMessage } from '../protocol.js';
import { Confinement } from './confinement.js';
import { encodeFrame, FrameReader } from './frames.js';
import { permissionFlags } from './permissions.js';
import { forgedError, isHarnessMessage, isRunReport, malformedError, Resends, unreadableError } from './validate.js';
import { ISOLATE_EXEC_ARGV, type Isolate, type IsolateConfig, type IsolateExit, type IsolateListener } from './isolate.js';

/** A `'process'` isolate may also run under Node's permission model; a `'confined'` one is a process isolate inside bubblewrap. */
export interface ProcessIsolateConfig extends IsolateConfig {
  readonly permissions: PermissionProfile | undefined;
  /** Set for `'confined'`. */
  readonly confine?: ResolvedConfine | undefined;
}

/** RSS a Node process needs before the code allocates anything; the watchdog adds it to `memoryLimit`. */
const BASE_RSS_MB = 96;
const WATCH_INTERVAL_MS = 50;
/** Why a confined run was killed by the host's task watchdog. */
const TOO_MANY_TASKS = 'The sandbox started more processes and threads than a confined run may have';
/** How long a killed child may take to close its pipes before we stop waiting for its last messages. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The `'process'` level: a child process running the harness, in its own
 * process group so that a kill takes whatever it spawned with it. A
 * `memoryLimit` bounds the V8 heap (`--max-old-space-size`) and, through a
 * watchdog on the child's RSS, Buffers and everything else too.
 *
 * The `'confined'` level is the same child started by bubblewrap (see
 * {@link Confinement}): the kill then ends its whole PID namespace, and the
 * watchdog adds up the RSS of every process in it.
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
  readonly #confinement: Confinement | undefined;

  constructor(config: ProcessIsolateConfig) {
    this.#memoryLimit = config.memoryLimit;
    this.#confinement = config.confine === undefined ? undefined : new Confinement({ cwd: config.cwd, confine: config.confine, env: config.env });
    const boot: ProcessBootData = { cwd: config.cwd, harnessFile: PROCESS_HARNESS_FILE };
    const execArgv = [
      ...ISOLATE_EXEC_ARGV,
      ...(config.memoryLimit === undefined ? [] : [`--max-old-space-size=${config.memoryLimit}`]),
      ...(config.permissions === undefined ? [] : permissionFlags(config.permissions)),
    ];
    const nodeArgs = [...execArgv, PROCESS_HARNESS_FILE, JSON.stringify(boot)];
    const plan = this.#confinement?.spawnPlan(nodeArgs) ?? { command: process.execPath, args: nodeArgs, env: config.env ?? process.env, stdio: [] };
    this.#child = spawn(plan.command, plan.args, {
      cwd: config.cwd,
      env: plan.env,
      // Pipes only: stdin carries the task in, fd 3 the reports out, stderr
      // says why a child died. No Node IPC channel: its internal messages
      // (NODE_HANDLE_ACK…), sent by the code with process.send, make Node's
      // own code in the host assert. fd 1 goes nowhere. bubblewrap's own
      // pipes follow.
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', ...plan.stdio],
      // Its own process group: killing the group kills what the code spawned.
      detached: true,
    });
    this.id = this.#child.pid ?? -1;
    const attached = this.#confinement?.attach(this.#child);
    attached?.catch((error: Error) => this.#broken(error));
    this.#reports = this.#child.stdio[3] as Readable;
    // The child may close its stdin or exit before the task arrives: never an error in the host.
    this.#child.stdin?.on('error', () => {});
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      // Only the tail matters: it says why a process died (e.g. heap out of memory).
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4096);
    });
    this.#closed = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    if (this.#confinement !== undefined) void this.#closed.then(() => this.#confinement?.dispose());
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
    if ((this.#memoryLimit !== undefined || this.#confinement !== undefined) && process.platform === 'linux') this.#watch(this.#memoryLimit);
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
    this.#confinement?.kill();
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

  /** Kills the child past `memoryLimit` (RSS) and, confined where no kernel bound holds, past its task count. */
  #watch(limitMb: number | undefined): void {
    const limitKb = limitMb === undefined ? Infinity : (limitMb + BASE_RSS_MB) * 1024;
    const confinement = this.#confinement;
    this.#watchdog = setInterval(() => {
      if (confinement?.overTaskLimit() === true) return this.#broken(new Error(TOO_MANY_TASKS));
      if (limitKb === Infinity) return;
      const pids = confinement === undefined ? [this.id] : confinement.pids();
      let resident = 0;
      for (const pid of pids) resident += residentKb(pid);
      if (resident <= limitKb) return;
      this.#killedForMemory = true;
      this.#kill();
    }, WATCH_INTERVAL_MS);
  }

  #describeExit(exitCode: number | null, signalCode: NodeJS.Signals | null): IsolateExit {
    // bubblewrap exits with 128 + n when its child dies of signal n: say so as 'process' would.
    const signal = signalCode ?? (this.#confinement !== undefined && exitCode !== null ? signalOf(exitCode) : null);
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

/** The signal whose death bubblewrap reports as exit code `code` (128 + n), if any. */
function signalOf(code: number): NodeJS.Signals | null {
  if (code <= 128) return null;
  const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
  return (name as NodeJS.Signals | undefined) ?? null;
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
