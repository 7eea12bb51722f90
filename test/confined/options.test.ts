import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox } from 'repl-sandbox';
import { CONFINED_AVAILABLE } from '../helpers.js';
import { DIST_ENTRY } from '../hostile/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'repl-sandbox-confine-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('confine: the caller\'s mistakes are TypeErrors naming the option', () => {
  it('needs isolation confined', () => {
    expect(() => createSandbox({ isolation: 'process', confine: {} })).toThrow("`confine` needs `isolation: 'confined'`, got isolation 'process'");
    expect(() => createSandbox({ confine: { network: true } })).toThrow("`confine` needs `isolation: 'confined'`, got isolation 'worker'");
  });

  it('checks each field, and every path exists', () => {
    const confined = (confine: unknown): (() => unknown) => () => createSandbox({ isolation: 'confined', warm: 0, confine: confine as never });
    expect(confined('everything')).toThrow("Expected `confine` to be an object, got `'everything'` (string)");
    expect(confined({ network: 'yes' })).toThrow("Expected `confine.network` to be a boolean, got `'yes'` (string)");
    expect(confined({ read: '/etc' })).toThrow("Expected `confine.read` to be an array of paths, got `'/etc'` (string)");
    expect(confined({ write: [''] })).toThrow('Expected `confine.write[0]` to be a path');
    expect(confined({ read: [dir, path.join(dir, 'missing')] })).toThrow("Expected `confine.read[1]` to be an existing file or directory, got `'");
    expect(confined({ netwrok: false })).toThrow('Unknown option `netwrok` for `confine` (did you mean `network`?)');
  });

  it("refuses cwd '/', which would mount the whole host, and /proc, /dev, /sys", () => {
    expect(() => createSandbox({ isolation: 'confined', cwd: '/' })).toThrow(/`cwd` '\/' under isolation 'confined' would mount the whole host/);
    expect(() => createSandbox({ isolation: 'confined', cwd: '/proc/self' })).toThrow(/`cwd` '\/proc\/self' under isolation 'confined' would mount the host's own/);
  });

  it("refuses confine paths that are '/' or would replace the sandbox's /proc or /dev, or show /sys", () => {
    const link = path.join(dir, 'proc-link');
    symlinkSync('/proc', link);
    for (const [key, bad] of [['read', '/'], ['write', '/proc'], ['read', '/proc/1'], ['read', '/dev/shm'], ['write', '/sys/fs/cgroup'], ['read', link]] as const) {
      expect(() => createSandbox({ isolation: 'confined', warm: 0, confine: { [key]: [dir, bad] } })).toThrow(
        `Expected \`confine.${key}[1]\` to be a path other than '/' and outside /proc, /dev and /sys`,
      );
    }
  });
});

describe('where bubblewrap cannot run', () => {
  it('createSandbox throws ConfinementUnavailableError at once, naming bubblewrap and how to install it; no weaker level instead', () => {
    const script = `
      const { createSandbox, ConfinementUnavailableError } = await import(${JSON.stringify(DIST_ENTRY)});
      try { createSandbox({ isolation: 'confined' }); console.log('created') }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, instance: e instanceof ConfinementUnavailableError, message: e.message })) }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: dir }, encoding: 'utf8' });
    const reported = JSON.parse(child.stdout) as { name: string; code: string; instance: boolean; message: string };
    expect(reported).toMatchObject({ name: 'ConfinementUnavailableError', code: 'ERR_CONFINEMENT_UNAVAILABLE', instance: true });
    expect(reported.message).toMatch(/needs bubblewrap \(bwrap\), which is not on the PATH/);
    expect(reported.message).toMatch(/apt-get install bubblewrap/);
  });
});

describe.runIf(CONFINED_AVAILABLE)('confined: env', () => {
  it('passes exactly the env the caller gives (bubblewrap adds PWD)', async () => {
    await using sandbox = createSandbox({ isolation: 'confined', cwd: dir, warm: 0, env: { ONLY: 'this' } });
    const result = await sandbox.run(`[process.env, require('fs').readFileSync('/proc/1/environ', 'utf8')]`);
    expect(result.ok && result.result).toEqual([{ ONLY: 'this', PWD: dir }, 'ONLY=this\0']);
  });

  it('requires and imports packages of cwd (read-only)', async () => {
    await using sandbox = createSandbox({ isolation: 'confined', warm: 0, cwd: process.cwd() });
    const result = await sandbox.run(`const { parse } = require('superjson'); const m = await import('superjson'); [typeof parse, typeof m.default.stringify]`);
    expect(result.ok && result.result).toEqual(['function', 'function']);
  });
});
