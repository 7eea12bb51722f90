import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfinementUnavailableError } from '../errors.js';
import { DIST_DIRECTORY, harnessPaths } from '../harness-location.js';
import type { ResolvedConfine } from '../options.js';
import { pidsCgroupAvailable } from './pids-cgroup.js';

/*
 * The `'confined'` level's boundary: bubblewrap (`bwrap`) starts the
 * harness in new user, mount, PID, IPC, UTS, cgroup and (by default) network
 * namespaces, with every capability dropped, `no_new_privs`, no further user
 * namespaces, and its own session (no TIOCSTI into the host's terminal).
 *
 * Filesystem, in mount order (later mounts cover earlier ones):
 *   /usr                      read-only (the Node binary's libraries, /bin/sh…)
 *   /bin /sbin /lib*          the host's symlinks into /usr, or read-only binds
 *   /etc essentials           read-only, those that exist: ETC_FILES
 *   /proc                     a new procfs: the sandbox's processes only; /proc/sys read-only
 *   /dev                      a new minimal /dev (null, zero, random, urandom, tty…), read-only
 *   /dev/shm                  a new tmpfs of SHM_BYTES
 *   /tmp                      a new tmpfs of SCRATCH_BYTES: HOME and TMPDIR, gone with the run
 *   the Node binary           read-only, at its real path
 *   the harness               read-only (this package's dist/harness, import-meta-resolve)
 *   cwd                       read-only, and the working directory
 *   confine.read              read-only
 *   confine.write             read-write
 *   Node, dist/, the harness  read-only again, where a write path covers them
 * Nothing else of the host exists inside: no home directories, no /run
 * (its sockets), no /var, no /root, no host /tmp.
 */

/** What of the host's /etc a Node process needs: dynamic linking, time zone, TLS roots, name resolution. */
export const ETC_FILES: readonly string[] = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/crypto-policies',
  '/etc/alternatives',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/nsswitch.conf',
  '/etc/gai.conf',
  '/etc/services',
  '/etc/protocols',
];

/** The top-level directories that merged-/usr systems make symlinks into /usr. */
const USR_LINKS: readonly string[] = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Size of the run's scratch tmpfs (/tmp, also HOME and TMPDIR): RAM, so bounded. */
export const SCRATCH_BYTES = 256 * 1024 * 1024;

/** Size of the run's /dev/shm tmpfs. */
export const SHM_BYTES = 64 * 1024 * 1024;

/** Tasks (processes and threads) a confined run may have at once: Node itself uses about 12. */
export const MAX_TASKS = 256;

/** The environment of a confined isolate when the caller gives none: nothing of the host's. */
export const CONFINED_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/tmp',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
});

const INSTALL_HINT =
  'install bubblewrap 0.8 or later (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`; Arch: `pacman -S bubblewrap`) ' +
  'on Linux with user namespaces enabled, or choose another isolation level';

let bwrapFile: string | undefined;
let checked: true | ConfinementUnavailableError | undefined;

/** `bwrap` on the host's PATH, its real path. */
function findBwrap(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'bwrap');
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * Throws {@link ConfinementUnavailableError} unless bubblewrap is installed
 * and can start Node here, with every flag `'confined'` uses. The check
 * starts `node --version` under it once per process (about 10 ms).
 */
export function assertConfinementAvailable(): void {
  checked ??= probe();
  if (checked !== true) throw checked;
}

function probe(): true | ConfinementUnavailableError {
  if (process.platform !== 'linux') {
    return new ConfinementUnavailableError(`isolation 'confined' needs Linux namespaces through bubblewrap (bwrap); this is ${process.platform}: choose another isolation level`);
  }
  const bwrap = findBwrap();
  if (bwrap === undefined) return new ConfinementUnavailableError(`isolation 'confined' needs bubblewrap (bwrap), which is not on the PATH: ${INSTALL_HINT}`);
  const args = bwrapArguments({ cwd: harnessPaths()[0] ?? '/usr', confine: { network: false, read: [], write: [] } });
  const started = spawnSync(bwrap, [...args, '--', nodeBinary(), '--version'], { env: {}, encoding: 'utf8', timeout: 10_000 });
  if (started.status !== 0 || started.stdout.trim() !== process.version) {
    const why = (started.error?.message ?? started.stderr.trim()) || `exit ${started.status ?? started.signal}`;
    return new ConfinementUnavailableError(`isolation 'confined' could not start Node under bubblewrap (${bwrap}): ${why}; ${INSTALL_HINT}`);
  }
  bwrapFile = bwrap;
  return true;
}

/** The checked `bwrap` binary; call {@link assertConfinementAvailable} first. */
export function bwrapBinary(): string {
  assertConfinementAvailable();
  return bwrapFile ?? 'bwrap';
}

let nodeFile: string | undefined;

/** The real path of the running Node binary: what the sandbox mounts and starts. */
export function nodeBinary(): string {
  nodeFile ??= realpathSync(process.execPath);
  return nodeFile;
}

/** What one confined isolate is started with. */
export interface ConfineConfig {
  readonly cwd: string;
  readonly confine: ResolvedConfine;
}

/**
 * bubblewrap's arguments for one isolate, up to (not including) the `--`
 * before the command. `fds` are the descriptors of bwrap's `--info-fd`
 * (its sandbox's pid 1, as the host sees it) and `--block-fd` (held until
 * the host has put that process in its pids cgroup).
 */
export function bwrapArguments(config: ConfineConfig, fds?: { readonly info: number; readonly block?: number }): string[] {
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    ...(config.confine.network ? ['--share-net'] : []),
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const link of USR_LINKS) {
    const stat = lstatSync(link, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink() === true) args.push('--symlink', readlinkSync(link), link);
    else if (stat?.isDirectory() === true) args.push('--ro-bind', link, link);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push(
    '--proc',
    '/proc',
    // bubblewrap covers /proc/sys only where it finds the directory writable;
    // with the host's root mapped in, the directory is not but its files are
    // (kernel.pid_max, vm.drop_caches… written from inside, measured).
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    '--ro-bind-try',
    '/proc/sysrq-trigger',
    '/proc/sysrq-trigger',
    '--dev',
    '/dev',
    // /dev is a tmpfs without a size: bounded shm, and the rest read-only (device nodes stay usable).
    '--size',
    String(SHM_BYTES),
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    String(SCRATCH_BYTES),
    '--tmpfs',
    '/tmp',
  );
  const readOnly = [nodeBinary(), ...harnessPaths(), config.cwd, ...config.confine.read];
  for (const p of readOnly) args.push('--ro-bind', p, p);
  for (const p of config.confine.write) args.push('--bind', p, p);
  // What runs the code stays read-only even inside a write path (say, a project
  // whose node_modules holds this package): the Node binary, the harness, and
  // the host's own code in dist/, which the next host would load.
  const keep = [nodeBinary(), DIST_DIRECTORY, ...harnessPaths()];
  for (const p of keep) if (config.confine.write.some((dir) => isWithin(p, dir))) args.push('--ro-bind', p, p);
  args.push('--chdir', config.cwd);
  if (fds !== undefined) args.push('--info-fd', String(fds.info));
  if (fds?.block !== undefined) args.push('--block-fd', String(fds.block));
  return args;
}

/** `inner` is `outer` or below it. */
function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** How the fork count of a confined run is bounded on this host. */
export type TaskBound = 'cgroup' | 'rlimit' | 'watchdog';

/**
 * The kernel's bound on a confined run's processes here: its own pids cgroup
 * where the host may make one; otherwise `RLIMIT_NPROC` for a normal user
 * (which counts all of that user's processes, so it is set above the count
 * the user has: a bound on the machine, shared by the user's runs); root is
 * exempt from `RLIMIT_NPROC`, so without a cgroup only the host's watchdog
 * (a count every 50 ms) bounds it.
 */
export function taskBound(): TaskBound {
  if (pidsCgroupAvailable()) return 'cgroup';
  return process.getuid?.() === 0 ? 'watchdog' : 'rlimit';
}

/** Tasks of this user now, for an `RLIMIT_NPROC` above them. */
export function userTaskCount(): number {
  const uid = process.getuid?.();
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status)) count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // It ended.
    }
  }
  return count;
}
