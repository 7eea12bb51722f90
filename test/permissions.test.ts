import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createSandbox } from 'repl-sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import { PROCESS_HARNESS_FILE } from '../src/harness-location.js';
import { permissionFlags } from '../src/isolates/permissions.js';
import { resolveSandboxOptions } from '../src/options.js';
import { expectError, expectOk, useSandbox } from './helpers.js';

const DENIED = /ERR_ACCESS_DENIED|Access to this API has been restricted/;

/** A scratch directory with subdirectories `names`, each holding `f.txt` with its own name. */
function scratch(names: readonly string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'repl-sandbox-perm-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (const name of names) {
    mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, name, 'f.txt'), name);
  }
  return root;
}

/** Code that tries `fs.<method>` on `<dir>/<file>` for each directory and reports `'ok'` or the error code. */
function tryEach(method: 'readFileSync' | 'writeFileSync', file: string, dirs: readonly string[]): string {
  const args = method === 'writeFileSync' ? ', "x"' : ', "utf8"';
  return `${JSON.stringify(dirs)}.map((dir) => { try { require("node:fs").${method}(require("node:path").join(dir, ${JSON.stringify(file)})${args}); return "ok" } catch (e) { return e.code } })`;
}

// Node's permission model, opt-in for isolation: 'process'.
describe("isolation: 'process' with a permission profile", () => {
  const root = scratch(['one', 'two', 'other']);
  const [one, two, other] = ['one', 'two', 'other'].map((name) => path.join(root, name)) as [string, string, string];
  const sandbox = useSandbox({ isolation: 'process', warm: 1, permissions: { allowWrite: [one, two] } });

  it('still runs ordinary code, reads files and requires packages', async () => {
    const result = expectOk(await sandbox.run('[require("node:fs").readFileSync("/etc/hostname", "utf8").length > 0, typeof require("acorn").parse, 6 * 7]'));
    expect(result.result).toEqual([true, 'function', 42]);
  });

  it('forbids spawning processes', async () => {
    const result = expectError(await sandbox.run('require("node:child_process").execSync("true")'), 'exception');
    expect(result.error.message).toMatch(DENIED);
  });

  it('forbids starting workers', async () => {
    const result = expectError(await sandbox.run('new (require("node:worker_threads").Worker)("1", { eval: true })'), 'exception');
    expect(result.error.message).toMatch(DENIED);
  });

  it('writes to every allowWrite directory and nowhere else', async () => {
    const result = expectOk(await sandbox.run(tryEach('writeFileSync', 'w.txt', [one, two, other, tmpdir()])));
    expect(result.result).toEqual(['ok', 'ok', 'ERR_ACCESS_DENIED', 'ERR_ACCESS_DENIED']);
    expect([one, two, other].map((dir) => existsSync(path.join(dir, 'w.txt')))).toEqual([true, true, false]);
  });

  it('does not restrict the network', async () => {
    const code = `await new Promise((resolve, reject) => {
      const net = require("node:net");
      const server = net.createServer((socket) => socket.end("hi")).listen(0, "127.0.0.1", () => {
        net.connect(server.address().port, "127.0.0.1").on("data", (data) => { server.close(); resolve(String(data)) }).on("error", reject);
      });
    })`;
    expect(expectOk(await sandbox.run(code)).result).toBe('hi');
  });
});

describe('allowRead with several paths', () => {
  const root = scratch(['one', 'two', 'other', 'with,comma']);
  const dirs = ['one', 'two', 'other', 'with,comma'].map((name) => path.join(root, name));
  const [one, two, , comma] = dirs as [string, string, string, string];
  const sandbox = useSandbox({ isolation: 'process', warm: 1, permissions: { allowRead: [one, two, comma] } });

  it('boots the isolate, reads each listed directory (a comma in a path included) and nothing else', async () => {
    await sandbox.warmup();
    const result = expectOk(await sandbox.run(tryEach('readFileSync', 'f.txt', dirs)));
    expect(result.result).toEqual(['ok', 'ok', 'ERR_ACCESS_DENIED', 'ok']);
  });

  it('keeps the harness working: TypeScript, top-level await, stacks, built-in import()', async () => {
    const result = expectOk(await sandbox.run('const n: number = await Promise.resolve(2); [n, typeof (await import("node:path")).join]', { language: 'ts' }));
    expect(result.result).toEqual([2, 'function']);
    const thrown = expectError(await sandbox.run('\nthrow new Error("boom")'), 'exception');
    expect(thrown.error.stack).toContain('<sandbox>:2:');
  });

  it('denies packages under cwd unless cwd is readable', async () => {
    const result = expectError(await sandbox.run('require("acorn")'), 'exception');
    // Older releases (measured: 20.19.0, 22.12.0) report the denied lookups as a missing module.
    expect(result.error.message).toMatch(new RegExp(`${DENIED.source}|Cannot find module 'acorn'`));
    await using withCwd = createSandbox({ isolation: 'process', warm: 0, permissions: { allowRead: [one, process.cwd()] } });
    expect(expectOk(await withCwd.run('[typeof require("acorn").parse, typeof (await import("acorn")).parse]')).result).toEqual(['function', 'function']);
  });
});

describe('permission paths', () => {
  const root = scratch(['sub', 'outside']);

  it('resolves relative paths against the sandbox cwd', async () => {
    await using sandbox = createSandbox({ isolation: 'process', warm: 0, cwd: root, permissions: { allowRead: ['sub'], allowWrite: ['./sub/'] } });
    const result = expectOk(await sandbox.run(`${tryEach('writeFileSync', 'rel.txt', ['sub', 'outside'])}.concat(${tryEach('readFileSync', 'f.txt', ['sub', 'outside'])})`));
    expect(result.result).toEqual(['ok', 'ERR_ACCESS_DENIED', 'ok', 'ERR_ACCESS_DENIED']);
    expect(resolveSandboxOptions({ isolation: 'process', cwd: root, permissions: { allowRead: ['a', '/b'], allowWrite: ['../c', '*'] } }).permissions).toEqual({
      allowRead: [path.join(root, 'a'), '/b'],
      allowWrite: [path.resolve(root, '../c'), '*'],
    });
  });

  it('rejects paths that are not non-empty strings', () => {
    expect(() => resolveSandboxOptions({ isolation: 'process', permissions: { allowWrite: [''] } })).toThrow(/`permissions.allowWrite`/);
    expect(() => resolveSandboxOptions({ isolation: 'process', permissions: { allowRead: ['/a\0b'] } })).toThrow(/`permissions.allowRead`/);
  });

  // A caveat of Node's permission model (documented in the README): symbolic
  // links are followed wherever they point; only creating one is guarded.
  it('follows a symlink inside an allowWrite directory out of it; the code cannot make one itself', async () => {
    const sub = path.join(root, 'sub');
    const outside = path.join(root, 'outside');
    symlinkSync(outside, path.join(sub, 'link'));
    await using sandbox = createSandbox({ isolation: 'process', warm: 0, permissions: { allowWrite: [sub] } });
    expectOk(await sandbox.run(`require("node:fs").writeFileSync(${JSON.stringify(path.join(sub, 'link', 'escaped.txt'))}, "x")`));
    expect(readFileSync(path.join(outside, 'escaped.txt'), 'utf8')).toBe('x');
    const made = expectError(await sandbox.run(`require("node:fs").symlinkSync(${JSON.stringify(outside)}, ${JSON.stringify(path.join(sub, 'mine'))})`), 'exception');
    expect(made.error.message).toMatch(new RegExp(`${DENIED.source}|fs\\.symlink API requires full fs\\.read and fs\\.write permissions`));
  });
});

describe('permissionFlags spelling per Node version', () => {
  const harness = path.dirname(PROCESS_HARNESS_FILE);
  const resolver = (flags: readonly string[]): string | undefined => flags.find((flag) => flag.includes('import-meta-resolve'));

  it.each([
    ['20.19.0', '--experimental-permission'],
    ['20.20.2', '--experimental-permission'],
    ['22.12.0', '--experimental-permission'],
    ['22.13.0', '--permission'],
    ['23.4.0', '--experimental-permission'],
    ['23.5.0', '--permission'],
    ['24.0.0', '--permission'],
  ])('Node %s: %s, one flag per path', (version, enable) => {
    const flags = permissionFlags({ allowRead: ['/r1', '/r,2'], allowWrite: ['/w1', '/w2'] }, version);
    expect(flags).toEqual([
      enable,
      '--allow-fs-read=/r1',
      '--allow-fs-read=/r,2',
      `--allow-fs-read=${harness}`,
      resolver(flags),
      '--allow-fs-write=/w1',
      '--allow-fs-write=/w2',
    ]);
    expect(resolver(flags)).toMatch(/^--allow-fs-read=\/.*import-meta-resolve$/);
  });

  it('Node 25 and later: --allow-net keeps the network open', () => {
    expect(permissionFlags({}, '25.9.0')).toEqual(['--permission', '--allow-fs-read=*', '--allow-net']);
    expect(permissionFlags({}, 'v26.0.0')).toContain('--allow-net');
  });

  it("reads everything by default or with '*', writes nowhere by default", () => {
    expect(permissionFlags({}, '20.20.2')).toEqual(['--experimental-permission', '--allow-fs-read=*']);
    expect(permissionFlags({ allowRead: '*' }, '24.1.0')).toEqual(['--permission', '--allow-fs-read=*']);
    expect(permissionFlags({ allowRead: ['/a', '*'], allowWrite: ['*', '/b'] }, '24.1.0')).toEqual(['--permission', '--allow-fs-read=*', '--allow-fs-write=*']);
  });

  it('never repeats a path (Node 20 aborts on a repeated one)', () => {
    const flags = permissionFlags({ allowRead: ['/a', '/a/', '/b/../a', `${harness}/`], allowWrite: ['/w', '/w/'] }, '20.20.2');
    expect(flags.filter((flag) => flag.startsWith('--allow-fs-read='))).toEqual(['--allow-fs-read=/a', `--allow-fs-read=${harness}`, resolver(flags)]);
    expect(flags.filter((flag) => flag.startsWith('--allow-fs-write='))).toEqual(['--allow-fs-write=/w']);
  });
});
