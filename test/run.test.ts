import { describe, expect, it } from 'vitest';
import { run } from 'repl-sandbox';
import { expectOk, LEVELS, useSandbox } from './helpers.js';

describe('the module-level run()', () => {
  it('resolves output, the raw value of the last expression and its inspection', async () => {
    const result = expectOk(await run('console.log("hi"); 6 * 7'));
    expect(result.output).toBe('hi\n');
    expect(result.result).toBe(42);
    expect(result.inspected).toBe('42');
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.timings.queuedMs).toBeGreaterThanOrEqual(0);
  });
});

describe.each(LEVELS)('%s: run()', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('gives the completion value of the last statement, as a REPL does', async () => {
    expect(expectOk(await sandbox.run('1 + 1')).result).toBe(2);
    expect(expectOk(await sandbox.run('let a = 1;')).result).toBeUndefined();
    expect(expectOk(await sandbox.run('let a = 1; a')).result).toBe(1);
    expect(expectOk(await sandbox.run('if (true) { "yes" } else { "no" }')).result).toBe('yes');
    expect(expectOk(await sandbox.run('for (let i = 0; i < 3; i++) i * 2')).result).toBe(4);
    expect(expectOk(await sandbox.run('')).result).toBeUndefined();
    expect(expectOk(await sandbox.run('"text"')).inspected).toBe("'text'");
  });

  it('awaits a promise that is the final value', async () => {
    const result = expectOk(await sandbox.run('new Promise((resolve) => setTimeout(() => resolve("late"), 20))'));
    expect(result.result).toBe('late');
  });

  it('reports where the time went inside the isolate', async () => {
    const result = expectOk(await sandbox.run('let s = 0; for (let i = 0; i < 1e5; i++) s += i; s', { setup: 'globalThis.x = 1' }));
    expect(result.timings.evalMs).toBeGreaterThan(0);
    expect(result.timings.setupMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.serializeMs).toBeGreaterThanOrEqual(0);
  });
});
