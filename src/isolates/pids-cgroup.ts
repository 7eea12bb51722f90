import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A pids cgroup of one `'confined'` isolate: the kernel refuses the fork (or
 * thread) past `pids.max`, whatever the code does, so a fork loop cannot use
 * up the machine's process ids (32768 on the machine this was written on).
 *
 * Where one can be made: as root on cgroup v1 (the `pids` hierarchy), or on
 * cgroup v2 where the host may write under the hierarchy's root with the
 * `pids` controller enabled. A normal user without a delegated cgroup has
 * none; the isolate then falls back to `RLIMIT_NPROC` (see `confine.ts`).
 */
export interface PidsCgroup {
  /** Moves a process into the cgroup; its later children are born there. */
  add(pid: number): void;
  /** Process ids in the cgroup, as the host sees them. */
  pids(): number[];
  /** Removes the cgroup once it is empty (its processes may take a moment to die). */
  remove(): void;
}

const V1_ROOT = '/sys/fs/cgroup/pids';
const V2_ROOT = '/sys/fs/cgroup';
const GROUP = 'repl-sandbox';
const REMOVE_RETRY_MS = 50;
const REMOVE_ATTEMPTS = 40;

/** The parent cgroup of every isolate's, `undefined` where none can be made; found once. */
let parent: string | null | undefined;
let sequence = 0;

function findParent(): string | null {
  const candidates: Array<{ root: string; v2: boolean }> = [
    { root: V1_ROOT, v2: false },
    { root: V2_ROOT, v2: true },
  ];
  for (const { root, v2 } of candidates) {
    try {
      if (v2 && !readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids')) continue;
      if (!v2 && !existsSync(path.join(root, 'cgroup.procs'))) continue;
      const dir = path.join(root, GROUP);
      mkdirSync(dir, { recursive: true });
      if (v2) {
        const enabled = readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
        if (!enabled.includes('pids')) writeFileSync(path.join(root, 'cgroup.subtree_control'), '+pids');
        writeFileSync(path.join(dir, 'cgroup.subtree_control'), '+pids');
      }
      // Proves the host may make and configure children here.
      const probe = path.join(dir, `probe-${process.pid}`);
      mkdirSync(probe, { recursive: true });
      writeFileSync(path.join(probe, 'pids.max'), '1');
      rmdirSync(probe);
      removeStale(dir);
      return dir;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/** Whether this host can give each isolate its own pids cgroup. */
export function pidsCgroupAvailable(): boolean {
  parent ??= findParent();
  return parent !== null;
}

/** A new pids cgroup allowing `max` tasks (processes and threads), or `undefined` where none can be made. */
export function createPidsCgroup(max: number): PidsCgroup | undefined {
  if (!pidsCgroupAvailable() || parent === null || parent === undefined) return undefined;
  const dir = path.join(parent, `${process.pid}-${++sequence}`);
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'pids.max'), String(max));
  } catch {
    return undefined;
  }
  return {
    add: (pid) => writeFileSync(path.join(dir, 'cgroup.procs'), String(pid)),
    pids: () => {
      try {
        return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    remove: () => removeWhenEmpty(dir, REMOVE_ATTEMPTS),
  };
}

/** Removes the empty cgroups of hosts that are gone (a host killed before its cleanup leaves them). */
function removeStale(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const owner = /^(\d+)-\d+$/.exec(entry)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    try {
      rmdirSync(path.join(dir, entry));
    } catch {
      // Not empty yet, or someone else's: leave it.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeWhenEmpty(dir: string, attempts: number): void {
  try {
    rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' && attempts > 1) setTimeout(() => removeWhenEmpty(dir, attempts - 1), REMOVE_RETRY_MS).unref();
  }
}
