import { describe, expect, it } from 'vitest';
import { createSandbox, SandboxClosedError } from 'repl-sandbox';
import { expectError, expectOk, useSandbox } from './helpers.js';

describe('sandbox lifecycle', () => {
  it('warmup() boots `warm` spares and is idempotent', async () => {
    const sandbox = useSandbox({ warm: 3 });
    expect(sandbox.stats.warm).toBe(0);
    await sandbox.warmup();
    expect(sandbox.stats.warm).toBe(3);
    await sandbox.warmup();
    expect(sandbox.stats.warm).toBe(3);
  });

  it('a taken spare is replaced in the background, and a warm run skips the boot', async () => {
    const sandbox = useSandbox({ warm: 2 });
    await sandbox.warmup();
    const result = expectOk(await sandbox.run('1'));
    expect(result.timings.bootMs).toBeUndefined();
    expect(sandbox.stats.warm).toBeLessThanOrEqual(2);
    await sandbox.warmup();
    expect(sandbox.stats.warm).toBe(2);
  });

  it('warm: 0 boots on demand and reports the boot wait', async () => {
    const sandbox = useSandbox({ warm: 0 });
    const result = expectOk(await sandbox.run('1'));
    expect(result.timings.bootMs).toBeGreaterThan(0);
    expect(sandbox.stats.warm).toBe(0);
  });

  it('close() aborts runs in flight and queued, kills spares, and later runs reject', async () => {
    const sandbox = createSandbox({ concurrency: 1, warm: 2 });
    await sandbox.warmup();
    const running = sandbox.run('console.log("started"); while (true) {}', { onOutput: () => void sandbox.close() });
    const queued = sandbox.run('1');
    const inFlight = expectError(await running, 'aborted');
    expect(inFlight.output).toBe('started\n');
    expect(inFlight.error.message).toMatch(/closed/);
    expectError(await queued, 'aborted');
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, warm: 0 });
    await expect(sandbox.run('1')).rejects.toBeInstanceOf(SandboxClosedError);
    await expect(sandbox.warmup()).rejects.toBeInstanceOf(SandboxClosedError);
    await sandbox.close();
  });

  it('await using closes the sandbox at the end of the scope', async () => {
    let escaped: ReturnType<typeof createSandbox> | undefined;
    {
      await using sandbox = createSandbox({ warm: 0 });
      escaped = sandbox;
      expectOk(await sandbox.run('1'));
    }
    await expect(escaped.run('1')).rejects.toBeInstanceOf(SandboxClosedError);
  });

  it('logs timeouts and crashes through the given logger, silent otherwise', async () => {
    const lines: Array<{ level: string; msg: string | undefined }> = [];
    const logger = {
      child: () => logger,
      debug: (_: object, msg?: string) => lines.push({ level: 'debug', msg }),
      info: (_: object, msg?: string) => lines.push({ level: 'info', msg }),
      warn: (_: object, msg?: string) => lines.push({ level: 'warn', msg }),
      error: (_: object, msg?: string) => lines.push({ level: 'error', msg }),
    };
    const sandbox = useSandbox({ warm: 0, logger });
    expectError(await sandbox.run('while (true) {}', { timeout: 100 }), 'timeout');
    expectError(await sandbox.run('process.exit(5)'), 'crashed');
    expect(lines).toContainEqual({ level: 'warn', msg: expect.stringMatching(/timed out/) as unknown });
    expect(lines).toContainEqual({ level: 'warn', msg: expect.stringMatching(/crashed/) as unknown });
  });
});
