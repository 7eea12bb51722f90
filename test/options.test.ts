import { describe, expect, it } from 'vitest';
import { createSandbox, run, SandboxClosedError } from 'repl-sandbox';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS, resolveSandboxOptions, RUN_DEFAULTS } from '../src/options.js';
import { LEVELS, useSandbox } from './helpers.js';

describe('caller mistakes are TypeErrors that name the option and show the value', () => {
  const sandbox = useSandbox({ warm: 0 });

  it.each([
    [undefined, /Expected `code` to be a string, got `undefined` \(undefined\)/],
    [42, /Expected `code` to be a string, got `42` \(number\)/],
  ])('code %s', async (code, message) => {
    await expect(sandbox.run(code as unknown as string)).rejects.toThrow(message);
    await expect(run(code as unknown as string)).rejects.toThrow(TypeError);
  });

  it.each([
    [{ timeout: -1 }, /`timeout`.*`-1` \(number\)/],
    [{ timeout: NaN }, /`timeout`.*`NaN` \(number\)/],
    [{ timeout: '100' }, /`timeout`.*`'100'` \(string\)/],
    [{ maxOutput: '10' }, /`maxOutput`.*`'10'` \(string\)/],
    [{ maxOutput: -5 }, /`maxOutput`/],
    [{ maxOutput: 1.5 }, /`maxOutput`/],
    [{ language: 'python' }, /`language`.*'js' or 'ts'.*`'python'` \(string\)/],
    [{ setup: 42 }, /`setup`/],
    [{ setup: ['ok', 7] }, /`setup\[1\]`/],
    [{ onOutput: 'log' }, /`onOutput`/],
    [{ signal: {} }, /`signal`/],
    [{ memoryLimit: 64 }, /`memoryLimit` is a sandbox option/],
    [{ timout: 100 }, /Unknown option `timout` for run\(\) \(did you mean `timeout`\?\)/],
    [{ colour: true }, /Unknown option `colour` for run\(\); known options: timeout, /],
  ])('run options %o', async (options, message) => {
    const promise = sandbox.run('1', options as never);
    await expect(promise).rejects.toThrow(TypeError);
    await expect(promise).rejects.toThrow(message);
  });

  it.each([
    [{ isolation: 'thread' }, /`isolation`/],
    [{ permissions: {} }, /`permissions` needs `isolation: 'process'`/],
    [{ isolation: 'process', permissions: { allowWrite: '/tmp' } }, /`permissions.allowWrite`/],
    [{ warm: -1 }, /`warm`/],
    [{ concurrency: 0 }, /`concurrency`.*`0`/],
    [{ maxQueue: -1 }, /`maxQueue`/],
    [{ memoryLimit: 0 }, /`memoryLimit`/],
    [{ cwd: '/definitely/not/here' }, /`cwd`.*existing directory/],
    [{ env: { A: 1 } }, /`env.A`/],
    [{ logger: console }, /`logger`/],
    [{ timeout: -3 }, /`timeout`/],
    [{ concurency: 2 }, /Unknown option `concurency` for createSandbox\(\) \(did you mean `concurrency`\?\)/],
  ])('sandbox options %o', (options, message) => {
    expect(() => createSandbox(options as never)).toThrow(TypeError);
    expect(() => createSandbox(options as never)).toThrow(message);
  });

  it('an option set to undefined is no mistake, known or not (spreads stay easy)', async () => {
    expect((await sandbox.run('1', { timeout: undefined, extra: undefined } as never)).ok).toBe(true);
    const other = createSandbox({ warm: 0, extra: undefined } as never);
    await expect(other.close()).resolves.toBeUndefined();
  });

  it('run() after close() rejects with SandboxClosedError', async () => {
    const closed = createSandbox({ warm: 0 });
    await closed.close();
    const error = await closed.run('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxClosedError);
    expect((error as SandboxClosedError).code).toBe('ERR_SANDBOX_CLOSED');
  });
});

describe('the options table', () => {
  it('memoryLimit is normalized once to whole megabytes: rounded down, at least 1', () => {
    expect(resolveSandboxOptions({ memoryLimit: 64.9 }).memoryLimit).toBe(64);
    expect(resolveSandboxOptions({ memoryLimit: 0.5 }).memoryLimit).toBe(1);
    expect(resolveSandboxOptions({ memoryLimit: 128 }).memoryLimit).toBe(128);
    expect(resolveSandboxOptions({}).memoryLimit).toBeUndefined();
    expect(() => resolveSandboxOptions({ memoryLimit: Infinity })).toThrow('Expected `memoryLimit` to be a positive number of megabytes, got `Infinity` (number)');
  });

  it('the run defaults are the table\'s', () => {
    expect(RUN_DEFAULTS.timeout).toBe(OPTIONS.timeout.default);
    expect(RUN_DEFAULTS.maxOutput).toBe(OPTIONS.maxOutput.default);
    expect(RUN_DEFAULTS.filename).toBe(OPTIONS.filename.default);
    expect(resolveSandboxOptions({}).isolation).toBe(OPTIONS.isolation.default);
  });

  it('the published types do not import pino', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    const declarations = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(0);
    for (const file of declarations) expect(readFileSync(join(dist, file), 'utf8'), file).not.toMatch(/from ['"]pino['"]|import\(['"]pino['"]\)/);
  });
});

describe('a relative cwd', () => {
  it.each(LEVELS)('is resolved against process.cwd() when the sandbox is created (%s)', async (isolation) => {
    // The repository's own packages (superjson) resolve from it however it is spelt.
    const relative = join('test', '..');
    await using sandbox = createSandbox({ isolation, cwd: relative, warm: 0 });
    const result = await sandbox.run(`[typeof require('superjson').stringify, ${isolation === 'worker' || isolation === 'context' ? 'true' : 'process.cwd()'}]`);
    expect(result.ok && result.result).toEqual(['function', isolation === 'worker' || isolation === 'context' ? true : process.cwd()]);
  });
});
