/**
 * What the host loads, and when: piscina, amaro, sucrase and acorn are ~250 ms of
 * import time, so a host that needs none of them never loads them, and
 * `warmup()` loads the parsers so the first request does not pay for them.
 */
import { describe, expect, it } from 'vitest';
import { runHostScript } from './hostile/helpers.js';

/** Prints, as JSON, which of the lazily loaded dependencies are in the CommonJS cache. */
const LOADED = `
  const { createRequire } = await import('node:module');
  const cache = createRequire(import.meta.url).cache;
  const loaded = () => ['piscina', 'amaro', 'sucrase', '@jridgewell/sourcemap-codec', 'acorn', 'acorn-walk'].filter((name) =>
    Object.keys(cache).some((file) => file.includes('/node_modules/' + name + '/')));
`;

async function loadedAfter(steps: string): Promise<unknown> {
  const child = await runHostScript(`${LOADED}\n${steps}\nconsole.log(JSON.stringify(report));`);
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as unknown;
}

describe('loading', () => {
  it('loads each dependency only when a run needs it', async () => {
    const report = await loadedAfter(`
      const report = {};
      const sandbox = createSandbox({ warm: 0 });
      report.imported = loaded();
      report.plain = [(await sandbox.run('1 + 1')).result, loaded()];
      report.awaited = [(await sandbox.run('const x = await 2; x')).result, loaded()];
      report.typescript = [(await sandbox.run('const y: number = 3; y', { language: 'ts' })).result, loaded()];
      // What Node's stripper refuses (an enum) loads sucrase.
      report.enum = [(await sandbox.run('enum E { A, B }; E.B', { language: 'ts' })).result, loaded()];
      await sandbox.close();
      const pool = createSandbox({ isolation: 'context', warm: 0 });
      report.context = [(await pool.run('4')).result, loaded()];
      await pool.close();
    `);
    expect(report).toEqual({
      imported: [],
      plain: [2, []],
      awaited: [2, ['acorn', 'acorn-walk']],
      typescript: [3, ['amaro', 'acorn', 'acorn-walk']],
      enum: [1, ['amaro', 'sucrase', '@jridgewell/sourcemap-codec', 'acorn', 'acorn-walk']],
      context: [4, ['piscina', 'amaro', 'sucrase', '@jridgewell/sourcemap-codec', 'acorn', 'acorn-walk']],
    });
  });

  it('warmup() loads the TypeScript and top-level-await parsers', async () => {
    const report = await loadedAfter(`
      const sandbox = createSandbox({ warm: 1 });
      await sandbox.warmup();
      const report = loaded();
      await sandbox.close();
    `);
    expect(report).toEqual(['amaro', 'sucrase', '@jridgewell/sourcemap-codec', 'acorn', 'acorn-walk']);
  });
});
