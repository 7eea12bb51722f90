import { describe, expect, it } from 'vitest';
import { expectError, expectOk, inChildProcess, LEVELS } from '../helpers.js';
import { DEFAULT_CAP_NOTE, expectHealthy, hostileSandboxes, peakRssGrowth } from './helpers.js';

/** Host RSS may grow this much during a flood (it is bounded, not zero: the harness and V8 have their own costs). */
const RSS_BUDGET_MB = 300;

describe.each(LEVELS)('%s: output floods', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('many small writes until the timeout: output capped, host RSS bounded', async () => {
    await sandbox.warmup();
    const growth = await peakRssGrowth(async () => {
      const result = expectError(await sandbox.run('for (;;) console.log("x")', { timeout: 1_000 }), 'timeout');
      expect(result.output.replace(DEFAULT_CAP_NOTE, '')).toMatch(/^(x\n)+x?$/);
      expect(result.output.length).toBeGreaterThan(1_000);
      // 'process' and 'confined' write one blocking frame per line: on a loaded machine they may not reach the cap in 1 s.
      if (!inChildProcess(isolation)) expect(result.output).toMatch(DEFAULT_CAP_NOTE);
    });
    expect(growth).toBeLessThan(RSS_BUDGET_MB);
    await expectHealthy(sandbox);
  });

  it('many small process.stdout.write calls (no newline) until the timeout', async () => {
    // 2 s: under a loaded CI machine 'context' once got fewer than 50 000 one-byte writes through in 500 ms.
    const result = expectError(await sandbox.run('for (;;) process.stdout.write("y")', { timeout: 2_000 }), 'timeout');
    // 'worker' and 'context' reach the 50 000-byte cap; 'process' and 'confined' write one blocking frame per call
    // and may get fewer bytes through (observed ~36 000 in 500 ms), which is fine as long as they arrive in order.
    expect(result.output).toMatch(/^y+(\n\.\.\.\(truncated, showing first 48\.8KB of [\d.]+(KB|MB)\))?$/);
    expect(result.output.length).toBeGreaterThan(1_000);
    if (!inChildProcess(isolation)) expect(result.output).toMatch(DEFAULT_CAP_NOTE);
    await expectHealthy(sandbox);
  });

  it('a few huge writes (4 × 50 MB): output capped and counted exactly, host RSS bounded', async () => {
    await sandbox.warmup();
    const growth = await peakRssGrowth(async () => {
      const code = 'const s = "x".repeat(50e6); for (let i = 0; i < 4; i++) process.stdout.write(s); console.log(s); "done"';
      const result = expectOk(await sandbox.run(code, { timeout: 10_000 }));
      expect(result.result).toBe('done');
      // 5 × 50e6 + 1 bytes = 238.4 MiB printed; the first 50 000 kept.
      expect(result.output).toBe(`${'x'.repeat(50_000)}\n...(truncated, showing first 48.8KB of 238.4MB)`);
    }, 50);
    expect(growth).toBeLessThan(RSS_BUDGET_MB);
    await expectHealthy(sandbox);
  });
});
