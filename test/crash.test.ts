import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

describe.each(LEVELS)('%s: the isolate dying is a crashed result, and the host lives on', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('process.exit(3)', async () => {
    const result = expectError(await sandbox.run('console.log("bye"); process.exit(3)'), 'crashed');
    expect(result.output).toBe('bye\n');
    expect(result.error).toMatchObject({ reason: 'exit', exitCode: 3 });
    expect(expectOk(await sandbox.run('"next"')).result).toBe('next');
  });

  it('an uncaught error after the code removed every listener: the harness still catches it (its capture callback)', async () => {
    const code = 'process.removeAllListeners("uncaughtException"); console.log("x"); setTimeout(() => { throw new Error("fatal") }); new Promise(() => {})';
    const result = expectError(await sandbox.run(code), 'exception');
    expect(result.output).toBe('x\n');
    expect(result.error).toMatchObject({ name: 'Error', message: 'fatal' });
  });

  it('the heap limit', async () => {
    const small = useSandbox({ isolation, warm: 0, memoryLimit: 32 });
    const code = 'console.log("filling"); const keep = []; for (;;) keep.push({ i: keep.length, s: "x" + keep.length })';
    const result = expectError(await small.run(code, { timeout: 20_000 }), 'crashed');
    expect(result.output).toBe('filling\n');
    expect(result.error).toMatchObject({ reason: 'out-of-memory' });
    expect(expectOk(await small.run('"recovered"')).result).toBe('recovered');
  });

  it('a worker left with nothing to do waits for the timeout instead of crashing', async () => {
    const result = expectError(
      await sandbox.run('process.removeAllListeners("message"); new Promise(() => {})', { timeout: 200 }),
      'timeout',
    );
    expect(result.error.timeout).toBe(200);
  });
});
