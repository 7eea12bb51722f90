import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { createSandbox, formatResult, run, type SandboxLogger } from 'repl-sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Mcp from '../src/mcp.js';
import { RUN_DEFAULTS } from '../src/options.js';
import { confineFor, expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

// Typed from src/, loaded from dist/ like every test that runs isolates.
const { createMcpServer } = (await import(new URL('../dist/mcp.js', import.meta.url).href)) as typeof Mcp;

/** Code whose value is `ms`, given after `ms` milliseconds (a timer in the isolate). */
const waitMs = (ms: number): string => `new Promise((resolve) => setTimeout(() => resolve(${ms}), ${ms}))`;

/** Room for a loaded 2-core CI machine between a timer's due time and the result. */
const MARGIN_MS = 1_500;

const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-queue-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let markers = 0;

/** Code that leaves a file behind if it ever runs, and the check that it did not. */
function sideEffect(): { code: string; happened: () => boolean } {
  const file = join(dir, `ran-${markers++}`);
  return { code: `require('node:fs').writeFileSync(${JSON.stringify(file)}, 'ran'); 'ran'`, happened: () => existsSync(file) };
}

/** A logger that keeps what is logged at warn. */
function recordingLogger(): { logger: SandboxLogger; warnings: { object: Record<string, unknown>; message: string | undefined }[] } {
  const warnings: { object: Record<string, unknown>; message: string | undefined }[] = [];
  const logger: SandboxLogger = {
    child: () => logger,
    debug: () => {},
    info: () => {},
    warn: (object, message) => void warnings.push({ object, message }),
    error: () => {},
  };
  return { logger, warnings };
}

describe.each(LEVELS)('%s: queueTimeout', (isolation) => {
  it('a run that does not start in time ends queue-timeout within the bound, and its code never runs', async () => {
    const { logger, warnings } = recordingLogger();
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1, logger, ...confineFor(isolation, { write: [dir] }) });
    await sandbox.warmup();
    const blocker = sandbox.run(waitMs(1_500));
    const marker = sideEffect();
    const calledAt = performance.now();
    const pending = sandbox.run(marker.code, { queueTimeout: 300 });
    expect(sandbox.stats).toMatchObject({ running: 1, queued: 1 });

    const result = expectError(await pending, 'queue-timeout');
    const elapsed = performance.now() - calledAt;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(300 + MARGIN_MS);
    expect(result.error).toEqual({
      type: 'queue-timeout',
      queueTimeout: 300,
      message: 'Not started within 300 ms (queueTimeout): the sandbox was busy, the code did not run',
    });
    expect(result.output).toBe('');
    expect(result.timings.queuedMs).toBeGreaterThanOrEqual(300);
    expect(result.timings.bootMs).toBeUndefined();
    expect(formatResult(result)).toBe('Queue timeout: Not started within 300 ms (queueTimeout): the sandbox was busy, the code did not run');
    // Out of the queue at once, counted once; the blocker still runs.
    expect(sandbox.stats).toMatchObject({ running: 1, queued: 0, completed: 0 + 1 });
    expect(warnings).toContainEqual({
      object: expect.objectContaining({ queueTimeout: 300, waiting: 'queue' }) as unknown,
      message: 'run not started within queueTimeout; dropped',
    });

    expectOk(await blocker);
    // FIFO, one at a time: had the dropped run stayed queued, it would have run before this one.
    expectOk(await sandbox.run('"after"', { queueTimeout: 5_000 }));
    expect(marker.happened()).toBe(false);
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, completed: 3 });
  });

  it('a run that starts in time is unaffected, however long it then runs', async () => {
    // Two spares: the second run's isolate is booted before it needs it.
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 2, queueTimeout: 1_500 });
    await sandbox.warmup();
    const blocker = sandbox.run(waitMs(100));
    // Starts after ~100 ms, then outlives its queueTimeout: only `timeout` bounds a started run.
    const queued = sandbox.run(waitMs(1_600));
    expectOk(await blocker);
    const result = expectOk(await queued);
    expect(result.result).toBe(1_600);
    expect(result.durationMs).toBeGreaterThan(1_600);
    expect(result.timings.queuedMs).toBeLessThan(1_500);
  });

  it('Infinity (the default) waits as long as it takes, as before', async () => {
    expect(RUN_DEFAULTS.queueTimeout).toBe(Infinity);
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1, queueTimeout: 100 });
    await sandbox.warmup();
    const blocker = sandbox.run(waitMs(600));
    // The per-run option overrides the sandbox's default.
    const patient = sandbox.run('"waited"', { queueTimeout: Infinity });
    const impatient = sandbox.run('"never"');
    expectError(await impatient, 'queue-timeout');
    expectOk(await blocker);
    const result = expectOk(await patient);
    expect(result.result).toBe('waited');
    expect(result.timings.queuedMs).toBeGreaterThan(500);
  });

  it('0: a run starts at once or not at all', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1 });
    await sandbox.warmup();
    // A free slot and a warm isolate: it starts.
    expect(expectOk(await sandbox.run('1', { queueTimeout: 0 })).result).toBe(1);
    await sandbox.warmup();
    const blocker = sandbox.run(waitMs(800));
    const calledAt = performance.now();
    const result = expectError(await sandbox.run('2', { queueTimeout: 0 }), 'queue-timeout');
    expect(result.error.queueTimeout).toBe(0);
    expect(performance.now() - calledAt).toBeLessThan(MARGIN_MS);
    expectOk(await blocker);
  });

  it('a signal aborting a waiting run wins over a later queueTimeout, and the run is counted once', async () => {
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 1 });
    await sandbox.warmup();
    const blocker = sandbox.run(waitMs(700));
    const controller = new AbortController();
    const marker = sideEffect();
    const queued = sandbox.run(marker.code, { queueTimeout: 300, signal: controller.signal });
    controller.abort('gone');
    expect(expectError(await queued, 'aborted').error.reason).toBe('gone');
    expect(sandbox.stats).toMatchObject({ queued: 0, completed: 1 });
    expectOk(await blocker);
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, completed: 2 });
    expect(marker.happened()).toBe(false);
  });

  it('close() ends a waiting run as aborted; its queueTimeout never fires after', async () => {
    const sandbox = createSandbox({ isolation, concurrency: 1, warm: 0 });
    const blocker = sandbox.run(waitMs(2_000));
    const queued = sandbox.run('1', { queueTimeout: 200 });
    await sandbox.close();
    expectError(await queued, 'aborted');
    // Not asserted: on 'context' a run closed just after it started resolves crashed ("The task has been aborted"), as before queueTimeout.
    expect((await blocker).ok).toBe(false);
    const completed = sandbox.stats.completed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sandbox.stats.completed).toBe(completed);
  });

  // 'context' gets its lease at once (piscina's workers are long-lived): no boot to wait for.
  it.skipIf(isolation === 'context')('the wait for an isolate to boot counts too; the isolate, booted, is kept as a spare', async () => {
    const { logger, warnings } = recordingLogger();
    const sandbox = useSandbox({ isolation, concurrency: 1, warm: 0, logger, ...confineFor(isolation, { write: [dir] }) });
    const marker = sideEffect();
    const calledAt = performance.now();
    const running = sandbox.run(marker.code, { queueTimeout: 5 });
    const returnedAt = performance.now();
    const result = expectError(await running, 'queue-timeout');
    // It had its slot within the run() call itself: all its wait was for the boot.
    expect(result.timings.queuedMs).toBeLessThanOrEqual(returnedAt - calledAt);
    expect(result.timings.bootMs).toBeGreaterThan(0);
    expect(warnings).toContainEqual({ object: expect.objectContaining({ waiting: 'boot' }) as unknown, message: expect.any(String) as unknown });
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, completed: 1 });
    // The isolate booted for it was never given the code: the next run gets it.
    expect(expectOk(await sandbox.run('"next"')).result).toBe('next');
    expect(marker.happened()).toBe(false);
  });
});

describe('queueTimeout: caller mistakes', () => {
  const sandbox = useSandbox({ warm: 0 });

  it.each([
    [{ queueTimeout: -1 }, /Expected `queueTimeout` to be a non-negative number of milliseconds or Infinity, got `-1` \(number\)/],
    [{ queueTimeout: NaN }, /`queueTimeout`.*`NaN` \(number\)/],
    [{ queueTimeout: '100' }, /`queueTimeout`.*`'100'` \(string\)/],
    [{ queueTimeout: null }, /`queueTimeout`.*`null` \(null\)/],
    [{ queueTimout: 100 }, /Unknown option `queueTimout` for run\(\) \(did you mean `queueTimeout`\?\)/],
    [{ queuetimeout: 100 }, /did you mean `queueTimeout`/],
  ])('run options %o', async (options, message) => {
    const promise = sandbox.run('1', options as never);
    await expect(promise).rejects.toThrow(TypeError);
    await expect(promise).rejects.toThrow(message);
    await expect(run('1', options as never)).rejects.toThrow(message);
  });

  it.each([
    [{ queueTimeout: -5 }, /Expected `queueTimeout` to be a non-negative number of milliseconds or Infinity, got `-5` \(number\)/],
    [{ queueTimeout: '1s' }, /`queueTimeout`.*`'1s'` \(string\)/],
    [{ queueTimout: 100 }, /Unknown option `queueTimout` for createSandbox\(\) \(did you mean `queueTimeout`\?\)/],
  ])('sandbox options %o', (options, message) => {
    expect(() => createSandbox(options as never)).toThrow(TypeError);
    expect(() => createSandbox(options as never)).toThrow(message);
  });

  it('accepts 0, fractions and Infinity', async () => {
    for (const queueTimeout of [0, 2.5, Infinity]) {
      // Resolves (started or not, with warm: 0 a short one may not start): no TypeError.
      await expect(sandbox.run('1', { queueTimeout })).resolves.toHaveProperty('ok');
      expect(() => createSandbox({ queueTimeout, warm: 0 })).not.toThrow();
    }
  });
});

describe('queueTimeout through the MCP server', () => {
  it('is a tool error the SDK client accepts against the output schema', async () => {
    const sandbox = createSandbox({ concurrency: 1, warm: 0, queueTimeout: 100 });
    const server = createMcpServer({ sandbox, logger: pino({ level: 'silent' }), timeout: 5_000 });
    const client = new Client({ name: 'in-memory', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const blocker = sandbox.run(waitMs(1_000), { queueTimeout: Infinity });
      const result = (await client.callTool({ name: 'run_javascript', arguments: { code: '1' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.content).toEqual([{ type: 'text', text: 'Queue timeout: Not started within 100 ms (queueTimeout): the sandbox was busy, the code did not run' }]);
      expect(result.structuredContent).toMatchObject({ ok: false, output: '', error: { type: 'queue-timeout' } });
      expectOk(await blocker);
    } finally {
      await client.close();
      await server.close();
      await sandbox.close();
    }
  });
});
