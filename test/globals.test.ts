import { describe, expect, it } from 'vitest';
import { expectOk, LEVELS, useSandbox } from './helpers.js';

describe.each(LEVELS)('%s: the context offers what Node code expects', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('console, process, Buffer, timers, URL, TextEncoder, structuredClone, fetch, global', async () => {
    const names = ['console', 'process', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'queueMicrotask', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'structuredClone', 'AbortController', 'fetch', 'crypto', 'performance', 'atob', 'require', 'global'];
    const result = expectOk(await sandbox.run(`${JSON.stringify(names)}.filter((name) => globalThis[name] === undefined)`));
    expect(result.result).toEqual([]);
  });

  it('the Node globals work', async () => {
    const code = `
      const u = new URL('https://example.com/a?b=1');
      const bytes = new TextEncoder().encode('é');
      const clone = structuredClone({ d: new Date(0) });
      [u.searchParams.get('b'), bytes.length, clone.d.getTime() === 0, Buffer.from('hi').toString('hex'), global === globalThis, typeof process.pid]`;
    const result = expectOk(await sandbox.run(code));
    expect(result.result).toEqual(['1', 2, true, '6869', true, 'number']);
  });

  it('require resolves built-ins and packages installed where the sandbox runs', async () => {
    const result = expectOk(await sandbox.run('[require("node:path").sep, typeof require("acorn").parse]'));
    expect(result.result).toEqual(['/', 'function']);
  });
});
