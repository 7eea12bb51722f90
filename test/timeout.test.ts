import { describe, expect, it } from 'vitest';
import { createSandbox } from 'repl-sandbox';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

// Margin for a loaded CI machine: terminate() and the round trip take a few ms here.
const MARGIN_MS = 2_000;

describe.each(LEVELS)('%s: timeout', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 2 });

  it('stops a synchronous infinite loop and keeps the output printed before it', async () => {
    const started = performance.now();
    const result = expectError(await sandbox.run('console.log("before"); while (true) {}', { timeout: 300 }), 'timeout');
    const elapsed = performance.now() - started;
    expect(result.output).toBe('before\n');
    expect(result.error).toEqual({ type: 'timeout', message: 'Timed out after 300 ms', timeout: 300 });
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(300 + MARGIN_MS);
  });

  it('stops a promise that never settles', async () => {
    const started = performance.now();
    const result = expectError(await sandbox.run('console.log("waiting"); new Promise(() => {})', { timeout: 300 }), 'timeout');
    expect(result.output).toBe('waiting\n');
    expect(performance.now() - started).toBeLessThan(300 + MARGIN_MS);
  });

  it('keeps every byte printed in a burst right before the loop', async () => {
    const code = 'for (let i = 0; i < 1000; i++) console.log(i); for (;;) {}';
    // 2 s: the clock runs from the call, and a loaded machine may take most of 500 ms to start the isolate.
    const result = expectError(await sandbox.run(code, { timeout: 2_000 }), 'timeout');
    expect(result.output).toBe(`${Array.from({ length: 1000 }, (_, i) => i).join('\n')}\n`);
  });

  it('covers setup and code together', async () => {
    const result = expectError(
      await sandbox.run('while (Date.now() < globalThis.until) {}', {
        setup: 'globalThis.until = Date.now() + 10_000; const t = Date.now(); while (Date.now() - t < 200) {}',
        timeout: 400,
      }),
      'timeout',
    );
    expect(result.error.timeout).toBe(400);
  });

  it('timeout: 0 times out at once, every time, without running the code', async () => {
    for (let i = 0; i < 5; i++) {
      const result = expectError(await sandbox.run('console.log("ran"); 1', { timeout: 0 }), 'timeout');
      expect({ output: result.output, error: result.error }).toEqual({
        output: '',
        error: { type: 'timeout', message: 'Timed out after 0 ms', timeout: 0 },
      });
    }
    expect(expectOk(await sandbox.run('1 + 1')).result).toBe(2);
  });

  it("a cold sandbox's first run waits for its isolate before its clock starts", async () => {
    // Nothing boots before the first run(), and the boot is not the code's time:
    // it shows as bootMs and counts against queueTimeout, never against timeout.
    const cold = createSandbox({ isolation, warm: 1 });
    try {
      const first = expectOk(await cold.run('console.log("ran"); 1', { timeout: 5_000 }));
      expect(first.output).toBe('ran\n');
      expect(first.timings.bootMs).toBeGreaterThan(0);
      await cold.warmup();
      const warm = expectOk(await cold.run('2', { timeout: 5_000 }));
      expect(warm.timings.bootMs).toBeUndefined();
    } finally {
      await cold.close();
    }
  });

  it('leaves the sandbox healthy for the next run', async () => {
    expectError(await sandbox.run('while (true) {}', { timeout: 100 }), 'timeout');
    expect(expectOk(await sandbox.run('"still here"')).result).toBe('still here');
  });
});
