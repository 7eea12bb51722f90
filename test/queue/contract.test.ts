/**
 * The run() contract through the queue: a real Redis, two executor
 * processes (`repl-sandbox worker`), and the same RunResult as locally.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxClosedError, SandboxOverloadedError } from 'repl-sandbox';
import { createQueueSandbox, type QueueSandbox, QueueUnavailableError, startQueueWorker } from 'repl-sandbox/queue';
import { expectError, expectOk } from '../helpers.js';
import { type Executor, useExecutors } from './executors.js';
import { REDIS_SERVER, useRedis } from './redis.js';

/** Runs that block an executor's slot until the file ends (2 executors × concurrency 2). */
const SLOTS = 4;

describe.skipIf(REDIS_SERVER === undefined)('the run() contract through a queue with two executor processes', () => {
  const redis = useRedis();
  const executors = useExecutors();
  let remote: QueueSandbox;
  let pids: number[];
  const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-queue-'));

  beforeAll(async () => {
    const started: Executor[] = await Promise.all([1, 2].map(() => executors.start(redis.server.url, ['--concurrency', '2', '--warm', '2'])));
    pids = started.map(({ pid }) => pid);
    remote = createQueueSandbox({ connection: redis.server.url, timeout: 10_000 });
  });

  afterAll(async () => {
    await remote.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const value = async (code: string): Promise<unknown> => expectOk(await remote.run(code)).result;

  it('values arrive typed: Date, Map, Set, BigInt, undefined, NaN, -0, RegExp, cycles, Errors, bytes', async () => {
    expect(await value('undefined')).toBeUndefined();
    expect(await value('[NaN, Infinity, -Infinity, -0]')).toEqual([NaN, Infinity, -Infinity, -0]);
    const nested = await value('({ list: [{ when: new Date(0), tags: new Set(["x"]) }], map: new Map([["k", [12345678901234567890n]]]), u: undefined })');
    expect(nested).toEqual({ list: [{ when: new Date(0), tags: new Set(['x']) }], map: new Map([['k', [12345678901234567890n]]]), u: undefined });
    expect(Object.keys(nested as object)).toEqual(['list', 'map', 'u']);
    const regexp = await value('/a+b/gi');
    expect(regexp).toBeInstanceOf(RegExp);
    expect(String(regexp)).toBe('/a+b/gi');
    const circular = (await value('const a = { name: "a" }; a.self = a; a.list = [a]; a')) as { self: unknown; list: unknown[] };
    expect(circular.self).toBe(circular);
    expect(circular.list[0]).toBe(circular);
    const error = (await value('new RangeError("far", { cause: new Date(5) })')) as RangeError;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('far');
    expect(error.cause).toEqual(new Date(5));
    expect(error.stack).toMatch(/^RangeError: far\n {4}at <sandbox>:1:/);
    expect(await value('new Uint8Array([1, 2, 255])')).toEqual(new Uint8Array([1, 2, 255]));
    expect(new Uint8Array((await value('new Uint8Array([7, 8]).buffer')) as ArrayBuffer)).toEqual(new Uint8Array([7, 8]));
    // What structured clone cannot carry is its inspected text, as locally.
    expect(await value('({ fn: function named() {}, n: 1 })')).toEqual({ fn: '[Function: named]', n: 1 });
    const result = expectOk(await remote.run('new Map([[1, { a: [1n] }]])'));
    expect(result.inspected).toBe('Map(1) { 1 => { a: [ 1n ] } }');
  });

  it('a value superjson refuses becomes a marker; inspected still shows it', async () => {
    const result = expectOk(await remote.run('JSON.parse(\'{"__proto__": {"x": 1}}\')'));
    expect(result.result).toMatch(/^\[not serializable by superjson: /);
    expect(result.inspected).toContain('x: 1');
  });

  it('output streams to onOutput in order while the code runs, then the result; maxOutput is applied on the executor', async () => {
    const chunks: { text: string; at: number }[] = [];
    const started = performance.now();
    const result = expectOk(
      await remote.run('console.log("one"); await new Promise((r) => setTimeout(r, 400)); console.log("two"); console.error("three"); 3', {
        onOutput: (text) => chunks.push({ text, at: performance.now() - started }),
      }),
    );
    const finished = performance.now() - started;
    expect(chunks.map(({ text }) => text).join('')).toBe('one\ntwo\nthree\n');
    expect(result.output).toBe('one\ntwo\nthree\n');
    expect(result.result).toBe(3);
    // The first chunk came while the code was still waiting, not with the result.
    expect(chunks[0]?.text).toBe('one\n');
    expect(finished - (chunks[0]?.at ?? finished)).toBeGreaterThan(250);

    const capped = expectOk(await remote.run('for (let i = 0; i < 1000; i++) console.log("line", i); 1', { maxOutput: 100 }));
    expect(Buffer.byteLength(capped.output)).toBeLessThan(400);
    expect(capped.output).toMatch(/^line 0\n/);
    expect(capped.output).toMatch(/truncated/i);
    // Many chunks in a row keep their order.
    const ordered: string[] = [];
    await remote.run('for (let i = 0; i < 300; i++) console.log(i)', { onOutput: (text) => ordered.push(text) });
    expect(ordered.join('')).toBe(Array.from({ length: 300 }, (_, i) => `${i}\n`).join(''));
  });

  it('an exception keeps its class, message, stack frames and thrown value', async () => {
    const thrown = expectError(await remote.run('function inner() { throw new TypeError("bad " + 1) }\nfunction outer() { inner() }\nconsole.log("before");\nouter()'), 'exception');
    expect(thrown.output).toBe('before\n');
    expect(thrown.error.name).toBe('TypeError');
    expect(thrown.error.message).toBe('bad 1');
    expect(thrown.error.stack).toMatch(/at inner \(<sandbox>:1:\d+\)\n {4}at outer \(<sandbox>:2:\d+\)/);
    expect(thrown.error.value).toBeInstanceOf(TypeError);
    const plain = expectError(await remote.run('throw { when: new Date(0), tags: new Set([1n]) }'), 'exception');
    expect(plain.error.value).toEqual({ when: new Date(0), tags: new Set([1n]) });
    const rejected = expectError(await remote.run('await Promise.reject(new RangeError("async"))'), 'exception');
    expect(rejected.error.name).toBe('RangeError');
    const syntax = expectError(await remote.run('let = ;'), 'exception');
    expect(syntax.error.name).toBe('SyntaxError');
  });

  it('TypeScript, setup and filename travel with the run; the sandbox-wide defaults apply', async () => {
    expect(await remote.run('const n: number = 2; n ** 10', { language: 'ts' })).toMatchObject({ ok: true, result: 1024 });
    expect(await remote.run('helper(20)', { setup: 'globalThis.helper = (n) => n + 1' })).toMatchObject({ ok: true, result: 21 });
    const named = expectError(await remote.run('throw new Error("x")', { filename: 'job.js' }), 'exception');
    expect(named.error.stack).toContain('job.js:1:');
    const withDefaults = createQueueSandbox({ connection: redis.server.url, setup: 'globalThis.base = 40', timeout: 300 });
    try {
      expect(await withDefaults.run('base + 2')).toMatchObject({ ok: true, result: 42 });
      expectError(await withDefaults.run('while (true) {}'), 'timeout');
      // A run's own option wins over the default.
      expect(await withDefaults.run('await new Promise((r) => setTimeout(r, 500)); 1', { timeout: 5_000 })).toMatchObject({ ok: true, result: 1 });
    } finally {
      await withDefaults.close();
    }
  });

  it('timeout counts on the executor from the start of the code; the output before it is kept; the executor carries on', async () => {
    const started = performance.now();
    const result = expectError(await remote.run('console.log("before"); while (true) {}', { timeout: 300 }), 'timeout');
    expect(result.output).toBe('before\n');
    expect(performance.now() - started).toBeLessThan(300 + 3_000);
    expect(result.error.message).toMatch(/300 ?ms/);
    const infinite = await remote.run('await new Promise((r) => setTimeout(r, 50)); "no limit"', { timeout: Infinity });
    expect(infinite).toMatchObject({ ok: true, result: 'no limit' });
    const after = await Promise.all([1, 2, 3, 4].map((n) => remote.run(`${n} * 2`)));
    expect(after.map((r) => (r.ok ? r.result : r.error))).toEqual([2, 4, 6, 8]);
  });

  it('200 concurrent runs are all correct and spread over both executors', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => remote.run(`console.log(${i}); [${i} * 3, process.pid]`)));
    const seen = new Map<number, number>();
    results.forEach((result, i) => {
      const { result: value, output } = expectOk(result);
      const [tripled, pid] = value as [number, number];
      expect(tripled).toBe(i * 3);
      expect(output).toBe(`${i}\n`);
      seen.set(pid, (seen.get(pid) ?? 0) + 1);
    });
    expect([...seen.keys()].sort()).toEqual([...pids].sort());
    for (const count of seen.values()) expect(count).toBeGreaterThan(20);
  }, 90_000);

  describe('with every executor slot busy', () => {
    const blockers: Promise<unknown>[] = [];
    const release = join(dir, 'release');
    beforeAll(async () => {
      // Each blocker holds a slot until the file `release` exists.
      let holding = 0;
      for (let i = 0; i < SLOTS; i++) {
        const code = `const fs = require("node:fs"); console.log("holding"); while (!fs.existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 20)); 1`;
        blockers.push(remote.run(code, { timeout: 60_000, onOutput: () => holding++ }));
      }
      const deadline = Date.now() + 15_000;
      while (holding < SLOTS) {
        if (Date.now() > deadline) throw new Error(`only ${holding} of the ${SLOTS} blockers started`);
        await sleep(20);
      }
    });
    afterAll(async () => {
      writeFileSync(release, '');
      const settled = await Promise.all(blockers);
      for (const result of settled) expect(result).toMatchObject({ ok: true, result: 1 });
    });

    it('queueTimeout resolves queue-timeout while waiting, and the code never runs', async () => {
      const marker = join(dir, 'queue-timeout-ran');
      const started = performance.now();
      const result = expectError(await remote.run(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "")`, { queueTimeout: 300 }), 'queue-timeout');
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(300 + 2_000);
      expect(result.output).toBe('');
      expect(await remote.waiting()).toBe(0);
      expect(existsSync(marker)).toBe(false);
    });

    it('signal removes a waiting run (aborted, with the caller reason), and the code never runs', async () => {
      const marker = join(dir, 'abort-waiting-ran');
      const controller = new AbortController();
      const pending = remote.run(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "")`, { signal: controller.signal });
      await sleep(200);
      const started = performance.now();
      const reason = new Error('user went away');
      controller.abort(reason);
      const result = expectError(await pending, 'aborted');
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(result.error.reason).toBe(reason);
      expect(await remote.waiting()).toBe(0);
      // An already-aborted signal never queues.
      expectError(await remote.run('1', { signal: AbortSignal.abort() }), 'aborted');
      expect(existsSync(marker)).toBe(false);
    });

    it('a signal aborted at once, while the job is still on its way to Redis: aborted, and the job does not stay queued to run later', async () => {
      const marker = join(dir, 'abort-at-once-ran');
      for (const delay of [0, 1, 3]) {
        const controller = new AbortController();
        const pending = remote.run(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "")`, { signal: controller.signal });
        if (delay === 0) controller.abort();
        else setTimeout(() => controller.abort(), delay);
        expectError(await pending, 'aborted');
      }
      // queueTimeout 0 likewise: the job is taken off the queue once it landed.
      expectError(await remote.run(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "")`, { queueTimeout: 0 }), 'queue-timeout');
      expect(await remote.waiting()).toBe(0);
      expect(existsSync(marker)).toBe(false);
    });

    it('maxQueue rejects with SandboxOverloadedError once that many runs wait', async () => {
      const bounded = createQueueSandbox({ connection: redis.server.url, maxQueue: 2 });
      try {
        const waiting = [bounded.run('"a"'), bounded.run('"b"')];
        // Both are queued (no slot is free) before the third asks.
        while ((await bounded.waiting()) < 2) await sleep(20);
        await expect(bounded.run('"c"')).rejects.toBeInstanceOf(SandboxOverloadedError);
        await bounded.close();
        // Closing settles what still waits: aborted, never lost.
        for (const result of await Promise.all(waiting)) expectError(result, 'aborted');
        await expect(bounded.run('1')).rejects.toBeInstanceOf(SandboxClosedError);
      } finally {
        await bounded.close();
      }
    });
  });

  it('a signal aborted at once with executors free: aborted (never run, or stopped as it started), and nothing lingers', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => {
        const controller = new AbortController();
        const pending = remote.run('await new Promise((r) => setTimeout(r, 30_000)); "ran to the end"', { signal: controller.signal });
        controller.abort();
        return pending;
      }),
    );
    for (const result of results) expectError(result, 'aborted');
    expect(await remote.waiting()).toBe(0);
    // Every slot is free again at once: nothing runs on for 30 s.
    const after = await Promise.all([1, 2, 3, 4].map((n) => remote.run(`${n}`, { queueTimeout: 5_000 })));
    expect(after.map((result) => expectOk(result).result)).toEqual([1, 2, 3, 4]);
  });

  it('close() with a run on an executor: it resolves aborted, and the executor stops it (the slot is free again at once)', async () => {
    const closing = createQueueSandbox({ connection: redis.server.url });
    let started = 0;
    const held = Array.from({ length: SLOTS }, () => closing.run('console.log("held"); await new Promise((r) => setTimeout(r, 30_000)); "ran to the end"', { onOutput: () => started++ }));
    while (started < SLOTS) await sleep(20);
    await closing.close();
    for (const result of await Promise.all(held)) expectError(result, 'aborted');
    // All four slots serve new runs well before the held runs' 30 s.
    const after = await Promise.all([1, 2, 3, 4].map((n) => remote.run(`${n}`, { queueTimeout: 5_000 })));
    expect(after.map((result) => expectOk(result).result)).toEqual([1, 2, 3, 4]);
  });

  it('signal terminates a running run: aborted with the caller reason and the output so far; the executor carries on', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    const result = expectError(
      await remote.run('console.log("started"); while (true) {}', {
        signal: controller.signal,
        onOutput: (text) => {
          if (text.includes('started')) controller.abort(reason);
        },
      }),
      'aborted',
    );
    expect(result.output).toBe('started\n');
    expect(result.error.reason).toBe(reason);
    const after = await Promise.all([1, 2, 3, 4].map((n) => remote.run(`${n} + 1`)));
    expect(after.map((r) => (r.ok ? r.result : r.error))).toEqual([2, 3, 4, 5]);
  });

  it('the caller mistakes are exceptions naming the option and value', async () => {
    expect(() => createQueueSandbox(undefined as never)).toThrow(/`options`/);
    expect(() => createQueueSandbox({} as never)).toThrow(/`connection`.*undefined/);
    expect(() => createQueueSandbox({ connection: 'http://127.0.0.1:6379' })).toThrow(/`connection`.*redis:\/\//);
    expect(() => createQueueSandbox({ connection: redis.server.url, queue: 'a:b' })).toThrow(/`queue`.*"a:b"|`queue`.*'a:b'/);
    expect(() => createQueueSandbox({ connection: redis.server.url, timout: 5 } as never)).toThrow(/timout.*timeout/);
    expect(() => createQueueSandbox({ connection: redis.server.url, retries: -1 })).toThrow(/`retries`/);
    expect(() => createQueueSandbox({ connection: redis.server.url, maxQueue: 'x' as never })).toThrow(/`maxQueue`/);
    await expect(remote.run(42 as never)).rejects.toThrow(TypeError);
    await expect(remote.run('1', { timeout: -1 })).rejects.toThrow(/`timeout`.*-1/);
    await expect(remote.run('1', { onOutput: 'no' as never })).rejects.toThrow(/`onOutput`/);
    await expect(remote.run('1', { isolation: 'process' } as never)).rejects.toThrow(/`isolation` is an executor's option: give it to startQueueWorker\(\)/);
    expect(() => createQueueSandbox({ connection: redis.server.url, memoryLimit: 64 } as never)).toThrow(/`memoryLimit` is an executor's option/);
    expect(() => createQueueSandbox({ connection: redis.server.url, connectTimeout: -5 })).toThrow(/`connectTimeout`.*-5/);
    await expect(startQueueWorker({ connection: redis.server.url, concurency: 2 } as never)).rejects.toThrow(/Unknown option `concurency` for startQueueWorker\(\) \(did you mean `concurrency`\?\).*lockDuration/);
    await expect(startQueueWorker({ connection: redis.server.url, lockDuration: 10 })).rejects.toThrow(/`lockDuration`.*10/);
    await expect(startQueueWorker({ connection: 5 as never })).rejects.toThrow(/`connection`/);
    expect(QueueUnavailableError).toBeTypeOf('function');
  });
});
