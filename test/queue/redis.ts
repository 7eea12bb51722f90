/**
 * A real Redis for the queue tests: one throwaway `redis-server` per test
 * file, on a free loopback port, without persistence (a restart loses every
 * key), so a test can take Redis away and bring it back as an outage would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';

/** Set once the "queue tests skipped" line was printed, so that it is printed once per run, not once per file. */
const WARNED = 'REPL_SANDBOX_TESTS_REDIS_WARNED';

/** The first executable file `name` in `PATH`, then in `extra`. */
function findExecutable(name: string, extra: readonly string[]): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== ''), ...extra];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not there, or not executable: the next directory.
    }
  }
  return undefined;
}

/**
 * The `redis-server` binary the queue tests start (Debian's package puts it
 * in /usr/bin; /usr/sbin is searched too, as a user's `PATH` may lack it).
 * Where there is none, the queue tests are skipped with one line saying why;
 * under `CI=true` they never are (CI installs redis-server).
 */
export const REDIS_SERVER: string | undefined = findRedisServer();

/**
 * Finds `redis-server`; without it, warns once per test run (the global
 * setup warns and marks the environment, which the test files inherit) and
 * returns undefined; under `CI=true` throws instead.
 */
export function findRedisServer(): string | undefined {
  const found = findExecutable('redis-server', ['/usr/bin', '/usr/sbin']);
  if (found !== undefined) return found;
  if (process.env['CI'] === 'true') {
    throw new Error('redis-server is required under CI=true: the queue tests never skip there (install the Debian package redis-server; .ci/run does)');
  }
  if (process.env[WARNED] !== '1') console.warn('[repl-sandbox tests] queue tests skipped: redis-server not found (apt-get install redis-server)');
  process.env[WARNED] = '1';
  return undefined;
}

/** A `redis-server` started by {@link startRedis}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`: the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server, waits `downMs` (default 0), and starts a new one on the
   * same port, empty (nothing is persisted); resolves once it answers PING.
   */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** How long a new server has to answer PING. */
const READY_TIMEOUT_MS = 10_000;
/** Between two PINGs while it starts. */
const PING_INTERVAL_MS = 20;
/** How long a restart keeps trying to bind the old port (it may still be held for a moment). */
const REBIND_TIMEOUT_MS = 5_000;
/** After SIGTERM, how long a server has to exit before SIGKILL. */
const KILL_AFTER_MS = 5_000;
/** How much of a server's output an error quotes (its last bytes). */
const OUTPUT_TAIL = 8_192;

/** One running `redis-server` process. */
interface Instance {
  readonly child: ChildProcess;
  /** Its working directory, removed once it has exited. */
  readonly dir: string;
  /** Resolves once the process has exited (or failed to spawn). */
  readonly exited: Promise<void>;
  /** Its stdout and stderr so far (the tail): Redis logs bind failures on stdout, config errors on stderr. */
  output(): string;
}

/** Every process started here and not yet exited, killed when the test process exits. */
const live = new Set<Instance>();
let exitHookInstalled = false;

/**
 * The last resort when a test file ends without `stop()` (a failed hook, a
 * crash, `process.exit`): 'exit' listeners must be synchronous, so SIGKILL
 * and nothing to wait for.
 */
function killAll(): void {
  for (const instance of live) {
    instance.child.kill('SIGKILL');
    rmSync(instance.dir, { recursive: true, force: true });
  }
  live.clear();
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** A loopback port nobody listens on right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  return address.port;
}

/** Whether something on `port` answers `PING` with `+PONG` (within 1 s). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket: Socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      // A whole reply: +PONG, or an error such as -LOADING (not ready yet).
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * Spawns `redis-server` on `port`, in an empty directory of its own: with
 * `--save ""` and `--appendonly no` it writes nothing, and the empty directory
 * also means it finds no dump.rdb to load, so every start is empty.
 */
function spawnServer(binary: string, port: number): Instance {
  const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', '--dir', dir];
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  };
  // Read for as long as it runs, so a full pipe never blocks it.
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // A forgotten server must not keep the test process alive: it is killed
  // when that process exits (killAll) instead.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  const exited = new Promise<void>((resolve) => {
    const onExit = (): void => {
      live.delete(instance);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    child.once('exit', onExit);
    child.on('error', (error) => {
      output += `\n(spawn failed: ${error.message})`;
      if (child.pid === undefined) onExit();
    });
  });
  const instance: Instance = { child, dir, exited, output: () => output };
  if (!exitHookInstalled) {
    process.once('exit', killAll);
    exitHookInstalled = true;
  }
  live.add(instance);
  return instance;
}

/** Stops `instance`: SIGTERM, SIGKILL after {@link KILL_AFTER_MS}. */
async function stopInstance(instance: Instance): Promise<void> {
  if (!hasExited(instance.child) && instance.child.pid !== undefined) {
    instance.child.kill('SIGTERM');
    const timer = setTimeout(() => instance.child.kill('SIGKILL'), KILL_AFTER_MS);
    try {
      await instance.exited;
    } finally {
      clearTimeout(timer);
    }
  }
  await instance.exited;
}

/** Thrown by {@link launch} when the port is taken, so the caller may retry. */
class PortInUseError extends Error {}

/** Starts a server on `port` and waits until it answers PING. */
async function launch(binary: string, port: number): Promise<Instance> {
  const instance = spawnServer(binary, port);
  let exited = false;
  void instance.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    // A PONG counts only while this process runs (on a taken port, a stranger could answer).
    if (!exited && (await ping(port)) && !hasExited(instance.child)) return instance;
    if (exited || hasExited(instance.child)) {
      await instance.exited;
      const { exitCode, signalCode } = instance.child;
      const output = instance.output();
      const message = `redis-server on port ${port} exited (${signalCode ?? `code ${String(exitCode)}`}) before answering PING; its output:\n${output}`;
      throw /Address already in use/i.test(output) ? new PortInUseError(message) : new Error(message);
    }
    if (Date.now() >= deadline) {
      await stopInstance(instance);
      throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms; its output:\n${instance.output()}`);
    }
    await sleep(PING_INTERVAL_MS);
  }
}

/**
 * Starts a `redis-server` on a free loopback port, without persistence, and
 * resolves once it answers PING. Stop it with `stop()` (or {@link useRedis});
 * it is killed anyway when the test process exits.
 */
export async function startRedis(): Promise<RedisServer> {
  const binary = REDIS_SERVER;
  if (binary === undefined) throw new Error('startRedis(): redis-server not found (apt-get install redis-server)');
  // The port is free when chosen but may be taken before the server binds
  // it (another test file picking ports at the same time): then another port.
  let current: Instance | undefined;
  let port = 0;
  for (let attempt = 1; current === undefined; attempt++) {
    port = await freePort();
    try {
      current = await launch(binary, port);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt === 5) throw error;
    }
  }
  let instance: Instance = current;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopInstance(instance),
    async restart({ downMs = 0 } = {}) {
      await stopInstance(instance);
      if (downMs > 0) await sleep(downMs);
      // Clients keep the url: the same port, retried while it is still held.
      const deadline = Date.now() + REBIND_TIMEOUT_MS;
      while (true) {
        try {
          instance = await launch(binary, port);
          return;
        } catch (error) {
          if (!(error instanceof PortInUseError)) throw error;
          if (Date.now() >= deadline) throw new Error(`restart(): port ${port} still taken after ${REBIND_TIMEOUT_MS} ms; the last attempt: ${error.message}`);
          await sleep(100);
        }
      }
    },
  };
}

/**
 * A server for the enclosing `describe` (or file): started in `beforeAll`,
 * stopped in `afterAll`. Read `server` in tests and hooks, not while the
 * suite is being collected (it does not exist yet then).
 */
export function useRedis(): { readonly server: RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error('useRedis(): the server starts in beforeAll; read `server` inside a test or a hook');
      return server;
    },
  };
}
