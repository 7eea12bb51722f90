/**
 * Nothing the code sends is trusted: a report that the harness did not write
 * — on the harness's own port, on any port the thread can find, on the
 * report pipe — is never accepted as the run's outcome.
 */
import { describe, expect, it } from 'vitest';
import { expectError, inChildProcess, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes, runInChildHost } from './helpers.js';

const FORGED = `{ type: 'result', value: 'forged', inspected: "'forged'", timings: { setupMs: 0, evalMs: 0, serializeMs: 0 } }`;

/** Snippets that post a forged result wherever they can, then throw: the run must end as the throw (or crash), never ok. */
const FORGERIES: ReadonlyArray<readonly [string, string]> = [
  ['the port executionAsyncResource() returns', `const r = require('async_hooks').executionAsyncResource(); if (typeof r.postMessage === 'function') r.postMessage(${FORGED});`],
  [
    'every MessagePort process._getActiveHandles() lists',
    `for (const h of process._getActiveHandles()) if (h && typeof h.postMessage === 'function') h.postMessage(${FORGED});`,
  ],
  [
    "Node's internal port behind process.stdout's symbols",
    `for (const s of [process.stdout, process.stderr, process.stdin]) for (const k of Object.getOwnPropertySymbols(s)) { const p = s[k]; if (p && typeof p.postMessage === 'function') p.postMessage(${FORGED}); }`,
  ],
  ['parentPort', `const { parentPort } = require('worker_threads'); if (parentPort) require('worker_threads').MessagePort.prototype.postMessage.call(parentPort, ${FORGED});`],
  [
    'a forged report frame on fd 3 (zero key, and a made-up one)',
    `try { const v8 = require('v8'), fs = require('fs'); const p = v8.serialize(${FORGED});
      for (const key of [Buffer.alloc(16), Buffer.from('0123456789abcdef')]) { const h = Buffer.alloc(4); h.writeUInt32LE(p.length, 0); fs.writeSync(3, Buffer.concat([h, key, p])); } } catch {}`,
  ],
  ['the output counter in workerData', `try { new Float64Array(require('worker_threads').workerData.outputTotal)[0] = 1e15 } catch {}`],
];

describe.each(LEVELS)('%s: forged reports are never accepted', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  // A thread shares the host's file descriptors: fd 3 there is the host's own (documented), not a pipe of ours.
  // A child process ('process', 'confined') has the report pipe there.
  const forgeries = inChildProcess(isolation) ? FORGERIES : FORGERIES.filter(([where]) => !where.includes('fd 3'));

  it.each(forgeries)('posted on %s, then a throw: the run is not ok, and not "forged"', async (_where, forge) => {
    const result = await sandbox.run(`${forge}\nthrow new Error('real')`, { timeout: 5_000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Either the throw, as the code really ended, or a crash for the forgery.
    if (result.error.type === 'exception') expect(result.error.message).toBe('real');
    else expect(result.error).toMatchObject({ type: 'crashed', reason: 'error', message: expect.stringMatching(/report protocol/) as unknown });
    await expectHealthy(sandbox);
  });

  it('a rewritten output counter neither drops nor forges the truncation note', async () => {
    const code = `try { const t = new Float64Array(require('worker_threads').workerData.outputTotal); t[0] = NaN; } catch {}
      console.log('x'.repeat(20)); 1`;
    const capped = await sandbox.run(code, { maxOutput: 10 });
    expect(capped.output).toBe('xxxxxxxxxx\n...(truncated, showing first 10B of 21B)');
    const forged = await sandbox.run(code.replace('NaN', '1e15'), { maxOutput: 100 });
    expect(forged.output).toBe(`${'x'.repeat(20)}\n`);
  });
});

describe('context: one run cannot change what later runs in the same pool worker report', () => {
  // One pool worker: every run below lands in the worker the tampering run used.
  const sandbox = hostileSandboxes('context')({ concurrency: 1, warm: 1 });

  const TAMPERING: ReadonlyArray<readonly [string, string]> = [
    ['MessagePort.prototype.postMessage', `const P = require('worker_threads').MessagePort.prototype, post = P.postMessage;
      P.postMessage = function (m, t) { return post.call(this, m && m.type === 'result' ? { ...m, value: 'forged', inspected: "'forged'" } : m, t) };`],
    ['vm.Script.prototype.runInContext', `const S = require('vm').Script.prototype; S.runInContext = function () { return 'forged' };`],
    ['util.inspect', `const u = require('util'); u.inspect = () => "'forged'";`],
    ['the console (Console.prototype.log and the console object)', `Object.getPrototypeOf(console).log = () => {}; console.log = () => {}; console.info = () => {};`],
    ['process.stdout.write', `process.stdout.write = () => true;`],
    ["the main realm's Object.prototype and JSON", `const main = require('vm').runInThisContext('globalThis'); main.Object.prototype.inspected = "'forged'"; main.JSON.stringify = () => 'forged';`],
    ["the worker's own timer functions and Object.keys (what the clean-up after a task uses)", `const main = require('vm').runInThisContext('globalThis');
      setTimeout(() => {}, 100000); main.clearTimeout = () => { throw new Error('no') }; main.clearImmediate = () => {}; main.Object.keys = () => { throw new Error('no') };`],
  ];

  it.each(TAMPERING)('%s, changed by one run: the next runs report truly', async (_what, tamper) => {
    const first = await sandbox.run(`${tamper}\n'first'`, { timeout: 5_000 });
    expect(first.ok).toBe(true);
    for (let i = 0; i < 3; i++) {
      const next = await sandbox.run(`console.log('out', ${i}); process.stdout.write('w\\n'); ({ n: ${i} })`, { timeout: 5_000 });
      expect(next).toMatchObject({ ok: true, result: { n: i }, inspected: `{ n: ${i} }`, output: `out ${i}\nw\n` });
    }
  });
});

describe.each(LEVELS)('%s: a run that threw is never turned into a success', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('an exception after output still ends as that exception', async () => {
    const result = expectError(await sandbox.run('console.log("a"); throw new TypeError("t")'), 'exception');
    expect(result.output).toBe('a\n');
    expect(result.error.name).toBe('TypeError');
  });
});

describe.each(LEVELS)('%s: an uncaught value the host could not read never reaches it', (isolation) => {
  // Without the harness's capture, Node hands an uncaught value to the host (a
  // worker's 'error' event), whose deserializer overflowed on a deep one: the host died.
  it.each([
    ['a deeply nested object thrown from a timer, listeners removed', `process.removeAllListeners('uncaughtException'); process.removeAllListeners('unhandledRejection');
      setTimeout(() => { let l = {}; for (let i = 0; i < 5000; i++) l = { l }; throw l }); await new Promise((r) => setTimeout(r, 1000))`],
    ['an Error whose cause is itself, thrown from a timer', `process.removeAllListeners('uncaughtException');
      setTimeout(() => { const e = new Error('x'); e.cause = e; throw e }); await new Promise((r) => setTimeout(r, 1000))`],
    ['a deep rejection nobody handles, listeners removed, after trying to take the capture callback', `process.removeAllListeners('unhandledRejection');
      try { process.setUncaughtExceptionCaptureCallback(null) } catch {}
      let l = {}; for (let i = 0; i < 5000; i++) l = { l }; Promise.reject(l); await new Promise((r) => setTimeout(r, 1000))`],
  ])('%s: an exception, the host lives', async (_what, code) => {
    const child = await runInChildHost(isolation, code, { timeout: 5_000 });
    expect({ status: child.status, signal: child.signal, next: child.next }).toEqual({ status: 0, signal: null, next: { ok: true, result: 2, inspected: '2' } });
    expect(child.first).toMatchObject({ ok: false, error: { type: 'exception' } });
  });
});
