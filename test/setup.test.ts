import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

describe.each(LEVELS)('%s: setup', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('runs first, in the same context, and its output is not captured', async () => {
    const result = expectOk(
      await sandbox.run('console.log("code"); helper(2)', { setup: 'console.log("setup"); function helper(x) { return x * 10 }' }),
    );
    expect(result.output).toBe('code\n');
    expect(result.result).toBe(20);
  });

  it('accepts a list, evaluated in order; top-level let/const are visible to the code', async () => {
    const result = expectOk(await sandbox.run('a + b', { setup: ['const a = 1;', 'let b = a + 1;'] }));
    expect(result.result).toBe(3);
  });

  it('an error in setup is an exception with phase setup', async () => {
    const result = expectError(await sandbox.run('1', { setup: ['const ok = 1', 'throw new Error("bad setup")'] }), 'exception');
    expect(result.error).toMatchObject({ phase: 'setup', name: 'Error', message: 'bad setup' });
    expect(result.error.stack).toMatch(/<setup-2>:1:7/);
    expect(result.output).toBe('');
  });

  it('sandbox-level setup is the default; run-level setup replaces it', async () => {
    const withSetup = useSandbox({ isolation, warm: 0, setup: 'globalThis.fromSandbox = "s"' });
    expect(expectOk(await withSetup.run('fromSandbox')).result).toBe('s');
    expect(expectOk(await withSetup.run('typeof fromSandbox', { setup: [] })).result).toBe('undefined');
  });
});
