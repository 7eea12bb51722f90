/**
 * The escape suite of isolation 'confined': each case is a way out that code
 * nobody read would try, and asserts the blocked outcome; the last cases
 * show that what `confine` allows does work. Skipped (one line says why)
 * where bubblewrap cannot run, never under CI=true.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'repl-sandbox';
import { CONFINED_AVAILABLE, expectError, expectOk } from '../helpers.js';
import { DIST_ENTRY, eventually, isAlive, runInChildHost, sleep } from '../hostile/helpers.js';

const SECRET = `hunter2-${process.pid}-${Date.now()}`;
const ENV_NAME = 'REPL_SANDBOX_TEST_SECRET';

/** Processes of this machine whose command line contains `marker` (zombies and our own pgrep excluded). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(entry));
    } catch {
      // It ended.
    }
  }
  return found;
}

describe.runIf(CONFINED_AVAILABLE)('confined: escapes', () => {
  let root: string;
  let project: string;
  let secretDir: string;
  let writable: string;
  let readable: string;
  let server: Server;
  let port: number;
  let sandbox: Sandbox;
  let open: Sandbox;

  beforeAll(async () => {
    process.env[ENV_NAME] = SECRET;
    root = mkdtempSync(path.join(tmpdir(), 'repl-sandbox-escape-'));
    project = path.join(root, 'project');
    secretDir = path.join(root, 'secrets');
    writable = path.join(root, 'out');
    readable = path.join(root, 'in');
    for (const dir of [project, secretDir, writable, readable]) mkdirSync(dir);
    writeFileSync(path.join(secretDir, 'key.pem'), SECRET);
    writeFileSync(path.join(project, 'data.txt'), 'project data');
    writeFileSync(path.join(readable, 'input.txt'), 'input data');
    server = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    sandbox = createSandbox({ isolation: 'confined', cwd: project, confine: { read: [readable], write: [writable] }, warm: 1, timeout: 10_000 });
    open = createSandbox({ isolation: 'confined', cwd: project, confine: { network: true }, warm: 0, timeout: 10_000 });
  });

  afterAll(async () => {
    delete process.env[ENV_NAME];
    await Promise.all([sandbox.close(), open.close()]);
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The `code` of the error `code` throws, or 'no error'. */
  const errorCode = async (code: string): Promise<unknown> =>
    expectOk(await sandbox.run(`await (async () => { try { ${code}; return 'no error' } catch (e) { return e.code } })()`)).result;

  /**
   * Names in /tmp at a run's start: only the mount points of what is mounted
   * from under the host's tmp dir (the allowed paths; and the package and
   * Node when a fresh clone lives there, as in CI).
   */
  const mountPointsInTmp = (): string[] => {
    const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.resolve('repl-sandbox'))));
    const mounted = [root, packageRoot, realpathSync(process.execPath)].map((p) => path.relative(tmpdir(), p));
    return [...new Set(mounted.filter((p) => !p.startsWith('..') && !path.isAbsolute(p)).map((p) => p.split(path.sep)[0] ?? ''))].sort();
  };

  it('reads no secret file the host made outside the allowed paths', async () => {
    const file = path.join(secretDir, 'key.pem');
    expect(await errorCode(`require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')`)).toBe('ENOENT');
    // Their parent exists only as the skeleton bubblewrap made for the allowed paths' mount points.
    expect(expectOk(await sandbox.run(`require('fs').readdirSync(${JSON.stringify(root)}).sort()`)).result).toEqual(['in', 'out', 'project']);
    expect(await errorCode(`require('fs').readdirSync(${JSON.stringify(secretDir)})`)).toBe('ENOENT');
    // Not through a symlink or /proc either: the host's filesystem is not mounted.
    expect(await errorCode(`require('fs').symlinkSync(${JSON.stringify(file)}, '/tmp/link'); require('fs').readFileSync('/tmp/link', 'utf8')`)).toBe('ENOENT');
  });

  it("reads nothing of the host's home directory", async () => {
    const home = homedir();
    expect(await errorCode(`require('fs').readdirSync(${JSON.stringify(home)})`)).toBe('ENOENT');
    expect(await errorCode(`require('fs').readdirSync(${JSON.stringify(path.join(home, '.ssh'))})`)).toBe('ENOENT');
    expect(expectOk(await sandbox.run(`require('os').homedir()`)).result).toBe('/tmp');
  });

  it("sees none of the host's environment: process.env, /proc/self/environ, /proc/1/environ", async () => {
    const { result } = expectOk(
      await sandbox.run(`
        const fs = require('fs');
        [JSON.stringify(process.env), fs.readFileSync('/proc/self/environ', 'utf8'), fs.readFileSync('/proc/1/environ', 'utf8')]
      `),
    );
    for (const text of result as string[]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ENV_NAME);
    }
    expect(Object.keys(JSON.parse((result as string[])[0] ?? '{}') as object).sort()).toEqual(['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']);
  });

  it('reaches no TCP server on the host loopback: net, fetch, and a shell tool', async () => {
    expect(
      await errorCode(
        `await new Promise((resolve, reject) => require('net').connect(${port}, '127.0.0.1').on('connect', resolve).on('error', reject))`,
      ),
    ).toBe('ECONNREFUSED');
    const fetched = expectOk(await sandbox.run(`await fetch('http://127.0.0.1:${port}/').then(() => 'connected', (e) => e.cause?.code)`));
    // A shell tool, as model-written code might reach for one.
    expect(expectOk(await sandbox.run(`try { require('child_process').execSync('exec 3<>/dev/tcp/127.0.0.1/${port}', { shell: '/bin/bash', stdio: 'pipe' }); 'connected' } catch { 'refused' }`)).result).toBe('refused');
    expect(fetched.result).toBe('ECONNREFUSED');
    // No route out at all: only the namespace's own loopback exists.
    const interfaces = expectOk(await sandbox.run(`Object.keys(require('os').networkInterfaces())`));
    expect(interfaces.result).toEqual(['lo']);
  });

  it("reaches no Unix socket of the host's, by path or abstract name", async () => {
    const socketPath = path.join(root, 'host.sock');
    const unixServer = createServer((socket) => socket.end('unix hello\n'));
    const abstractServer = createServer((socket) => socket.end('abstract hello\n'));
    await new Promise<void>((resolve) => unixServer.listen(socketPath, resolve));
    const abstractName = `\0repl-sandbox-test-${process.pid}`;
    await new Promise<void>((resolve) => abstractServer.listen(abstractName, resolve));
    try {
      const connect = (target: string): string =>
        `await new Promise((resolve, reject) => require('net').connect(${JSON.stringify(target)}).on('connect', resolve).on('error', reject))`;
      expect(await errorCode(connect(socketPath))).toBe('ENOENT');
      expect(await errorCode(connect(abstractName))).toBe('ECONNREFUSED');
    } finally {
      unixServer.close();
      abstractServer.close();
    }
  });

  it('writes nothing to cwd (read-only), though it reads it', async () => {
    expect(expectOk(await sandbox.run(`require('fs').readFileSync('data.txt', 'utf8')`)).result).toBe('project data');
    expect(await errorCode(`require('fs').writeFileSync('data.txt', 'overwritten')`)).toBe('EROFS');
    expect(await errorCode(`require('fs').writeFileSync('new.txt', 'x')`)).toBe('EROFS');
    // Node 24's rmSync (C++) throws this error with an empty code and "Unknown error: Read-only file system".
    const removed = expectOk(await sandbox.run(`await (async () => { try { require('fs').rmSync('data.txt'); return 'no error' } catch (e) { return e.code || e.message } })()`));
    expect(removed.result).toMatch(/^EROFS$|Read-only file system/);
    expect(readFileSync(path.join(project, 'data.txt'), 'utf8')).toBe('project data');
    expect(existsSync(path.join(project, 'new.txt'))).toBe(false);
  });

  it('writes nowhere outside confine.write: confine.read, /usr, /etc, the host tmp dir', async () => {
    expect(await errorCode(`require('fs').writeFileSync(${JSON.stringify(path.join(readable, 'input.txt'))}, 'x')`)).toBe('EROFS');
    expect(await errorCode(`require('fs').writeFileSync('/usr/evil', 'x')`)).toBe('EROFS');
    expect(await errorCode(`require('fs').writeFileSync('/etc/hosts', 'x')`)).toBe('EROFS');
    // The host's secret dir does not exist inside, and making it lands in the scratch tmpfs.
    const planted = path.join(secretDir, 'planted');
    expectOk(await sandbox.run(`require('fs').mkdirSync(${JSON.stringify(secretDir)}, { recursive: true }); require('fs').writeFileSync(${JSON.stringify(planted)}, 'x')`));
    expect(existsSync(planted)).toBe(false);
    expect(readFileSync(path.join(readable, 'input.txt'), 'utf8')).toBe('input data');
  });

  it('sees no host process in /proc: only its own namespace (pid 1 is the reaper, the code pid 2)', async () => {
    const { result } = expectOk(await sandbox.run(`[process.pid, require('fs').readdirSync('/proc').filter((x) => /^\\d+$/.test(x)).map(Number)]`));
    const [pid, pids] = result as [number, number[]];
    expect(pid).toBe(2);
    expect(pids).toEqual([1, 2]);
  });

  it('cannot signal the host: its pid does not exist inside, kill(-1) finds nobody, kill(0) ends only the sandbox', async () => {
    expect(await errorCode(`process.kill(${process.pid}, 'SIGKILL')`)).toBe(process.pid <= 2 ? 'no error' : 'ESRCH');
    // Every process it may signal but itself and the namespace's pid 1: there are none.
    expect(await errorCode(`process.kill(-1, 'SIGKILL')`)).toBe('ESRCH');
    const outcome = await runInChildHost(
      'confined',
      `for (const target of [${process.pid}, -1, 1]) { try { process.kill(target, 'SIGKILL') } catch {} }
       process.kill(0, 'SIGKILL'); await new Promise((r) => setTimeout(r, 1000))`,
      { sandbox: { cwd: project } },
    );
    expect(outcome.status).toBe(0);
    expect(outcome.first).toMatchObject({ ok: false, error: { type: 'crashed' } });
    expect(outcome.next).toMatchObject({ ok: true, result: 2 });
  });

  it('leaves no process running after the run: a child, a setsid grandchild, a double fork', async () => {
    const marker = `${4000 + (process.pid % 1000)}.${Date.now() % 1000}`;
    const result = await sandbox.run(
      `const { spawn, execSync } = require('child_process');
       spawn('sleep', ['${marker}1'], { stdio: 'ignore' }).unref();
       spawn('setsid', ['sleep', '${marker}2'], { stdio: 'ignore', detached: true }).unref();
       execSync("sh -c '(setsid sleep ${marker}3 < /dev/null > /dev/null 2>&1 &) &'");
       await new Promise((r) => setTimeout(r, 300));
       require('fs').readdirSync('/proc').filter((x) => /^\\d+$/.test(x)).length`,
    );
    expect(expectOk(result).result as number).toBeGreaterThanOrEqual(5);
    expect(await eventually(() => processesWith(`sleep\0${marker}`).length === 0)).toBe(true);
  });

  it('a host killed mid-run leaves nothing of the sandbox running', async () => {
    const marker = `${5000 + (process.pid % 1000)}.${Date.now() % 1000}`;
    const source = `import { createSandbox } from ${JSON.stringify(DIST_ENTRY)};
      const sandbox = createSandbox({ isolation: 'confined', cwd: ${JSON.stringify(project)}, warm: 0 });
      await sandbox.run("require('child_process').spawn('setsid', ['sleep', '${marker}'], { stdio: 'ignore', detached: true }).unref(); console.log('started'); await new Promise(() => {})", { onOutput: () => process.stdout.write('started\\n') });`;
    const host = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => host.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
    expect(await eventually(() => processesWith(`sleep\0${marker}`).length === 1)).toBe(true);
    host.kill('SIGKILL');
    expect(await eventually(() => processesWith(`sleep\0${marker}`).length === 0)).toBe(true);
  });

  it('a fork loop is bounded, ends in timeout, and the host stays healthy', async () => {
    const before = readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length;
    const started = Date.now();
    const result = await sandbox.run(
      `const { spawn } = require('child_process');
       let started = 0, refused = 0;
       const deadline = Date.now() + 3000;
       while (Date.now() < deadline) {
         try { spawn('/bin/sh', ['-c', 'f() { f | f & }; f'], { stdio: 'ignore' }).on('error', () => refused++); started++ } catch { refused++ }
         await new Promise((r) => setImmediate(r));
       }
       await new Promise(() => {});`,
      { timeout: 4_000 },
    );
    expectError(result, 'timeout');
    expect(Date.now() - started).toBeLessThan(4_000 + 3_000);
    // The host can still start processes, and the sandbox still runs code.
    expect(execFileSync('/bin/sh', ['-c', 'echo alive'], { encoding: 'utf8' })).toBe('alive\n');
    expect(expectOk(await sandbox.run('6 * 7')).result).toBe(42);
    expect(await eventually(() => readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length <= before + 10, 5_000)).toBe(true);
  });

  it('has no capabilities and no_new_privs, even when the host is root', async () => {
    const { result } = expectOk(await sandbox.run(`require('fs').readFileSync('/proc/self/status', 'utf8').match(/^(CapEff|CapPrm|CapBnd|NoNewPrivs):.*$/gm)`));
    expect(result).toEqual(['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'NoNewPrivs:\t1']);
  });

  it('cannot mount, remount read-write, or create namespaces (user namespaces included)', async () => {
    const attempt = (command: string): string =>
      `try { require('child_process').execSync(${JSON.stringify(command)}, { stdio: 'pipe' }); 'succeeded' } catch (e) { 'refused' }`;
    for (const command of [
      'mount -t tmpfs none /tmp',
      `mount -o remount,rw ${project}`,
      `mount --bind /tmp ${project}`,
      'unshare --user true',
      'unshare --user --map-root-user true',
      'unshare --mount true',
      'unshare --net true',
    ]) {
      expect(expectOk(await sandbox.run(attempt(command))).result, command).toBe('refused');
    }
  });

  it("cannot change the kernel's settings through /proc/sys (writable by a mapped root: bubblewrap leaves it so)", async () => {
    // The values written are the current ones: were the write to go through, nothing on the host would change.
    const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
    const corePattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
    expect(await errorCode(`require('fs').writeFileSync('/proc/sys/kernel/pid_max', ${JSON.stringify(pidMax)})`)).toBe('EROFS');
    expect(await errorCode(`require('fs').writeFileSync('/proc/sys/kernel/core_pattern', ${JSON.stringify(corePattern)})`)).toBe('EROFS');
    expect(await errorCode(`require('fs').writeFileSync('/proc/sys/vm/drop_caches', '1')`)).toBe('EROFS');
    expect(await errorCode(`require('child_process').execSync('sysctl -w kernel.pid_max=${pidMax}', { stdio: 'pipe' })`)).not.toBe('no error');
  });

  it('fills no RAM past its bounds through /tmp, /dev/shm or /dev', async () => {
    const fill = (dir: string): string =>
      `await (async () => { const b = Buffer.alloc(16 << 20, 1); let n = 0; try { for (; n < 64; n++) require('fs').writeFileSync(${JSON.stringify(dir)} + '/f' + n, b) } catch (e) { return [e.code, n * 16] } return ['no error', n * 16] })()`;
    expect(expectOk(await sandbox.run(fill('/tmp'))).result).toEqual(['ENOSPC', 256]);
    expect(expectOk(await sandbox.run(fill('/dev/shm'))).result).toEqual(['ENOSPC', 64]);
    expect(expectOk(await sandbox.run(fill('/dev'))).result).toEqual(['EROFS', 0]);
    // Device nodes still work on the read-only /dev.
    expect(expectOk(await sandbox.run(`const fs = require('fs'); fs.writeFileSync('/dev/null', 'x'); fs.readSync(fs.openSync('/dev/urandom', 'r'), Buffer.alloc(8)) === 8`)).result).toBe(true);
  });

  it("cannot write to the host's stdout or stderr through /proc/<pid>/fd", async () => {
    // 'process' code can reach /proc/<ppid>/fd/1 (documented); here its parent is the sandbox's pid 1.
    const outcome = await runInChildHost(
      'confined',
      `for (const pid of [1, 'self']) for (const fd of [1, 2]) { try { require('fs').writeFileSync('/proc/' + pid + '/fd/' + fd, 'FORGED\\n') } catch {} } 1`,
      { sandbox: { cwd: project } },
    );
    expect(outcome.stdout).not.toContain('FORGED');
    expect(outcome.first).toMatchObject({ ok: true });
  });

  it('what confine allows works: confine.write reaches the host, confine.read is read-only visible', async () => {
    const file = path.join(writable, 'report.txt');
    expectOk(await sandbox.run(`require('fs').writeFileSync(${JSON.stringify(file)}, 'written inside')`));
    expect(readFileSync(file, 'utf8')).toBe('written inside');
    expect(expectOk(await sandbox.run(`require('fs').readFileSync(${JSON.stringify(path.join(readable, 'input.txt'))}, 'utf8')`)).result).toBe('input data');
  });

  it('what runs the code stays read-only even inside a confine.write path: Node, the harness, dist/', async () => {
    // A write path that covers this package (as a project whose node_modules holds it would).
    const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.resolve('repl-sandbox'))));
    const writable = path.dirname(packageRoot);
    await using covering = createSandbox({ isolation: 'confined', cwd: project, confine: { write: [writable] }, warm: 0 });
    const node = realpathSync(process.execPath);
    // The Node binary only when it lies in the write path (nvm in a home directory); elsewhere it is under /usr, read-only anyway.
    const targets = [path.join(packageRoot, 'dist', 'harness', 'process.cjs'), path.join(packageRoot, 'dist', 'index.js'), ...(node.startsWith(`${writable}/`) ? [node] : [])];
    for (const target of targets) {
      const code = `await (async () => { try { require('fs').appendFileSync(${JSON.stringify(realpathSync(target))}, ''); return 'writable' } catch (e) { return e.code } })()`;
      expect(expectOk(await covering.run(code)).result, target).toMatch(/^(EROFS|ETXTBSY)$/);
    }
    // The rest of the write path is writable.
    const probe = path.join(writable, `.confined-probe-${process.pid}`);
    expectOk(await covering.run(`require('fs').writeFileSync(${JSON.stringify(probe)}, 'x')`));
    expect(readFileSync(probe, 'utf8')).toBe('x');
    rmSync(probe);
  });

  it('the scratch /tmp is writable, empty at the start of every run, and gone after it', async () => {
    const first = expectOk(await sandbox.run(`const fs = require('fs'); const before = fs.readdirSync('/tmp').sort(); fs.writeFileSync(require('os').tmpdir() + '/scratch.txt', 'x'); before`));
    expect(first.result).toEqual(mountPointsInTmp());
    expect(expectOk(await sandbox.run(`require('fs').readdirSync('/tmp').sort()`)).result).toEqual(mountPointsInTmp());
    expect(existsSync(path.join(tmpdir(), 'scratch.txt'))).toBe(false);
  });

  it('network: true reaches the test server on the host loopback', async () => {
    const result = expectOk(
      await open.run(
        `await new Promise((resolve, reject) => { let text = ''; require('net').connect(${port}, '127.0.0.1').on('data', (d) => (text += d)).on('end', () => resolve(text)).on('error', reject) })`,
      ),
    );
    expect(result.result).toBe('hello from the host\n');
    expect(expectOk(await open.run(`await fetch('http://127.0.0.1:${port}/').then(() => 'http', (e) => e.cause?.code ?? e.message)`)).result).not.toBe('ECONNREFUSED');
  });

  it('a host that is alive and idle after all of it', async () => {
    await sleep(100);
    expect(isAlive(process.pid)).toBe(true);
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0 });
  });
});
