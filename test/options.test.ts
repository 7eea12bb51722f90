import { describe, expect, it } from 'vitest';
import { createSandbox, run, SandboxClosedError } from 'repl-sandbox';
import { useSandbox } from './helpers.js';

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
