/**
 * How a `'worker'` isolate boots: from V8's code cache of the harness once the
 * first isolate of the process produced it, and without the warm-up when a
 * caller already waits for it. Neither may change what the code sees.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runHostScript } from './hostile/helpers.js';

const CODE_CACHE_MODULE = fileURLToPath(new URL('../dist/isolates/code-cache.js', import.meta.url));
const WARM_POOL_MODULE = fileURLToPath(new URL('../dist/isolates/warm-pool.js', import.meta.url));

describe('worker boot', () => {
  it('later isolates start from the code cache of the first, and import() works in them as in the first', async () => {
    const child = await runHostScript(`
      const { codeCacheForBoot } = await import(${JSON.stringify(CODE_CACHE_MODULE)});
      const before = 'produceCodeCache' in codeCacheForBoot();
      const sandbox = createSandbox({ warm: 1, cwd: ${JSON.stringify(fileURLToPath(new URL('..', import.meta.url)))} });
      const runs = [];
      // The first isolate compiles the bundle and produces the cache; the later ones load it.
      for (let i = 0; i < 4; i++) {
        const builtin = await sandbox.run('(await import("node:path")).sep');
        const pkg = await sandbox.run('typeof (await import("acorn")).parse');
        const missing = await sandbox.run('await import("./no-such-file.mjs")');
        const thrown = await sandbox.run('function f() { throw new Error("x") } f()');
        runs.push([builtin.result, pkg.result, missing.error?.message, missing.error?.stack, thrown.error?.stack]);
      }
      const after = codeCacheForBoot();
      console.log(JSON.stringify({ before, cached: after.codeCache?.byteLength > 0, runs }));
      await sandbox.close();
    `);
    expect(child.stderr).toBe('');
    const { before, cached, runs } = JSON.parse(child.stdout) as { before: boolean; cached: boolean; runs: string[][] };
    expect(before).toBe(true);
    expect(cached).toBe(true);
    for (const [builtin, pkg, message, stack, thrown] of runs) {
      expect(builtin).toBe('/');
      expect(pkg).toBe('function');
      expect(message).toMatch(/Cannot find module '.*no-such-file\.mjs' imported from .*<sandbox>/);
      // Neither the bundle nor the boot script that compiled it shows.
      expect(`${message}\n${stack}\n${thrown}`).not.toMatch(/worker-boot|dist\/harness/);
      expect(thrown).toBe('Error: x\n    at f (<sandbox>:1:22)\n    at <sandbox>:1:39');
    }
    // Every run answers the same, the first isolate's and the cached ones'.
    expect(new Set(runs.map((run) => JSON.stringify(run))).size).toBe(1);
  });

  it('tells an isolate that a caller waits for it (it skips the warm-up), never a spare booted for idle time', async () => {
    const child = await runHostScript(`
      const { WarmPool } = await import(${JSON.stringify(WARM_POOL_MODULE)});
      const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } };
      const launched = [];
      const launch = () => {
        let booted;
        const isolate = { id: launched.length, wanted: false, ready: new Promise((r) => (booted = r)), want() { this.wanted = true; }, terminate: async () => [], release() {} };
        isolate.boot = () => booted();
        launched.push(isolate);
        return isolate;
      };
      const pool = new WarmPool(launch, { warm: 2, maxBooting: 3, logger });
      pool.prime();
      const spares = launched.map((i) => i.wanted);
      // Both spares still booting; three callers: the two booting ones and a third boot are theirs.
      const acquired = [pool.acquire(), pool.acquire(), pool.acquire()];
      const forCallers = launched.map((i) => i.wanted);
      for (const isolate of launched) isolate.boot();
      await Promise.all(acquired);
      await new Promise((r) => setTimeout(r, 20));
      // Replacements booted for idle time are not wanted.
      const refill = launched.slice(3).map((i) => i.wanted);
      console.log(JSON.stringify({ spares, forCallers, refill }));
      await pool.close();
    `);
    expect(child.stderr).toBe('');
    const { spares, forCallers, refill } = JSON.parse(child.stdout) as Record<string, boolean[]>;
    expect(spares).toEqual([false, false]);
    expect(forCallers).toEqual([true, true, true]);
    expect(refill?.length).toBeGreaterThan(0);
    expect(refill?.every((wanted) => !wanted)).toBe(true);
  });
});

describe('context boot', () => {
  it("a 'context' sandbox starts no pool worker before the first run() or warmup()", async () => {
    const child = await runHostScript(`
      const sandbox = createSandbox({ isolation: 'context', warm: 2 });
      await new Promise((r) => setTimeout(r, 300));
      const before = { warm: sandbox.stats.warm, resources: process.getActiveResourcesInfo().filter((type) => type === 'Worker' || type === 'MessagePort').length };
      await sandbox.warmup();
      const after = sandbox.stats.warm;
      const result = await sandbox.run('6 * 7');
      console.log(JSON.stringify({ before, after, result: result.result }));
      await sandbox.close();
      // A sandbox closed before it ever ran boots nothing either.
      await createSandbox({ isolation: 'context' }).close();
    `);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ before: { warm: 0, resources: 0 }, after: 2, result: 42 });
  });
});
