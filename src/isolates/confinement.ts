import type { ChildProcess, StdioPipe } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { bwrapArguments, bwrapBinary, CONFINED_ENV, type ConfineConfig, MAX_TASKS, nodeBinary, taskBound, userTaskCount } from './confine.js';
import { createPidsCgroup, type PidsCgroup } from './pids-cgroup.js';

/** Where `prlimit` (util-linux) usually is; without it a normal user's runs are bounded by the watchdog only. */
const PRLIMIT = '/usr/bin/prlimit';
/** Tasks a normal user may have above what it had when the first confined isolate started (`RLIMIT_NPROC` counts them all). */
const RLIMIT_MARGIN = 1024;
let rlimitTasks: number | undefined;

/** The file descriptors of bwrap's `--info-fd` and `--block-fd` in the spawned process. */
const INFO_FD = 4;
const BLOCK_FD = 5;

/**
 * One `'confined'` isolate's side of bubblewrap: how to spawn it, and, once
 * spawned, the processes of its sandbox (for the memory and task watchdogs
 * and the kill). bwrap reports its sandbox's pid 1 (the reaper every orphan
 * of the sandbox is reparented to) on `--info-fd`; where the host can make a
 * pids cgroup, bwrap waits on `--block-fd` until the host has moved that
 * process into it, so nothing the code starts is ever outside the cgroup.
 */
export class Confinement {
  readonly #config: ConfineConfig;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #cgroup: PidsCgroup | undefined;
  readonly #bound = taskBound();
  #reaper: number | undefined;

  constructor(config: ConfineConfig & { readonly env: Readonly<Record<string, string | undefined>> | undefined }) {
    this.#config = config;
    // Exactly what the caller gives, or nothing of the host's. bwrap itself
    // gets the same: its pid 1 inside shows its environment in /proc/1/environ.
    this.#env = config.env ?? CONFINED_ENV;
    this.#cgroup = this.#bound === 'cgroup' ? createPidsCgroup(MAX_TASKS) : undefined;
  }

  /** The command, arguments, environment and stdio tail to spawn `nodeArgs` (the harness's command line) inside the sandbox. */
  spawnPlan(nodeArgs: readonly string[]): { command: string; args: string[]; env: Record<string, string | undefined>; stdio: StdioPipe[] } {
    const blocking = this.#cgroup !== undefined;
    const bwrap = [...bwrapArguments(this.#config, { info: INFO_FD, ...(blocking ? { block: BLOCK_FD } : {}) }), '--', nodeBinary(), ...nodeArgs];
    const env = { ...this.#env };
    const stdio: StdioPipe[] = blocking ? ['pipe', 'pipe'] : ['pipe'];
    if (this.#bound === 'rlimit' && existsSync(PRLIMIT)) {
      rlimitTasks ??= userTaskCount() + RLIMIT_MARGIN;
      return { command: PRLIMIT, args: [`--nproc=${rlimitTasks}`, '--', bwrapBinary(), ...bwrap], env, stdio };
    }
    return { command: bwrapBinary(), args: bwrap, env, stdio };
  }

  /**
   * Reads the sandbox's pid 1 from bwrap, moves it into the cgroup and lets
   * bwrap go on. Rejects (the isolate must then be killed) when the pid
   * never comes or the cgroup refuses it.
   */
  attach(child: ChildProcess): Promise<void> {
    const pipes = child.stdio as ReadonlyArray<Readable | Writable | null | undefined>;
    const info = (pipes[INFO_FD] ?? null) as Readable | null;
    const block = (pipes[BLOCK_FD] ?? null) as Writable | null;
    block?.on('error', () => {});
    return new Promise<void>((resolve, reject) => {
      if (info === null) return reject(new Error('bubblewrap: no info pipe'));
      let text = '';
      info.setEncoding('utf8');
      info.on('data', (chunk: string) => (text += chunk.slice(0, 4096)));
      info.on('error', () => {});
      info.on('end', () => {
        const pid = /"child-pid"\s*:\s*(\d+)/.exec(text)?.[1];
        if (pid === undefined) return reject(new Error('bubblewrap did not report its sandbox'));
        this.#reaper = Number(pid);
        try {
          this.#cgroup?.add(this.#reaper);
        } catch (error) {
          return reject(new Error(`could not put the sandbox in its pids cgroup: ${(error as Error).message}`));
        }
        block?.end('x');
        resolve();
      });
      (info as { unref?: () => void }).unref?.();
      (block as { unref?: () => void } | null)?.unref?.();
    });
  }

  /** Every process of the sandbox, as host pids (its pid 1 first). */
  pids(): number[] {
    if (this.#cgroup !== undefined) return this.#cgroup.pids();
    return this.#reaper === undefined ? [] : descendants(this.#reaper);
  }

  /** True when the sandbox has more tasks than a run may (checked by the host where no kernel bound holds: root without a cgroup). */
  overTaskLimit(): boolean {
    if (this.#bound !== 'watchdog') return false;
    let tasks = 0;
    for (const pid of this.pids()) tasks += threads(pid);
    return tasks > MAX_TASKS;
  }

  /** Kills the sandbox's pid 1, which takes the whole PID namespace with it. */
  kill(): void {
    for (const pid of this.#reaper === undefined ? [] : [this.#reaper]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** The sandbox has ended: remove its cgroup. */
  dispose(): void {
    this.#cgroup?.remove();
  }
}

/** `pid` and every process below it (Linux `/proc/PID/task/TID/children`). */
function descendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length && found.length <= MAX_TASKS * 4; i++) {
    const current = found[i] as number;
    try {
      for (const tid of readdirTasks(current)) {
        const children = readFileSync(`/proc/${current}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') found.push(...children.split(' ').map(Number));
      }
    } catch {
      // It ended.
    }
  }
  return found;
}

/** A process's children hang off the thread that forked them (a Worker's `spawn` forks from that thread). */
function readdirTasks(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`);
}

function threads(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 1);
  } catch {
    return 0;
  }
}
