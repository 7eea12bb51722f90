import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createSandbox, type Sandbox } from 'repl-sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEvalServer } from './fixtures/http-server.js';

interface Reply {
  status: number;
  body: { ok?: boolean; text?: string; output?: string; value?: string; error?: unknown };
}

/** Listens on 127.0.0.1, a free port. `close` ends the connections, the server and the sandbox. */
async function listen(sandbox: Sandbox): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = createEvalServer(sandbox);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await sandbox.close();
  };
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

async function post(base: string, body: unknown, path = '/run'): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Reply['body'] };
}

describe('an HTTP endpoint evaluating posted code with a shared Sandbox', () => {
  let base = '';
  let close = (): Promise<void> => Promise.resolve();
  beforeAll(async () => {
    const sandbox = createSandbox({ timeout: 5_000, maxQueue: 100 });
    await sandbox.warmup();
    ({ base, close } = await listen(sandbox));
  });
  afterAll(() => close());

  it('runs the posted code', async () => {
    expect(await post(base, { code: 'console.log("hi"); 6 * 7' })).toEqual({
      status: 200,
      body: { ok: true, text: 'hi\n=> 42', output: 'hi\n', value: '42' },
    });
  });

  it('answers 50 concurrent requests, each from a fresh isolate', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(base, { code: `globalThis.hits = (globalThis.hits ?? 0) + 1;\nconsole.log(${i});\n[${i} * 2, hits]` })),
    );
    replies.forEach((reply, i) => {
      expect(reply).toEqual({ status: 200, body: { ok: true, text: `${i}\n=> [ ${i * 2}, 1 ]`, output: `${i}\n`, value: `[ ${i * 2}, 1 ]` } });
    });
  });

  it('reports code that runs too long as a timeout, and keeps serving', async () => {
    const started = performance.now();
    const reply = await post(base, { code: 'console.log("spinning"); while (true) {}', timeout: 300 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(reply).toEqual({
      status: 200,
      body: { ok: false, text: 'spinning\nTimeout: Timed out after 300 ms', output: 'spinning\n', error: { type: 'timeout', message: 'Timed out after 300 ms' } },
    });
    expect((await post(base, { code: '1' })).body.value).toBe('1');
  });

  it('returns exceptions as results', async () => {
    const reply = await post(base, { code: 'JSON.parse("{")' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ ok: false, error: { type: 'exception' } });
    expect(reply.body.text).toMatch(/^Exception: SyntaxError: /);
  });

  it('answers 400 for a bad body, 404 elsewhere, 413 past 1 MB', async () => {
    expect(await post(base, { code: 42 })).toEqual({ status: 400, body: { error: 'Expected `code` to be a string, got `42` (number)' } });
    expect((await post(base, 'not json')).status).toBe(400);
    expect((await post(base, { code: '1' }, '/eval')).status).toBe(404);
    expect((await post(base, { code: `"${'x'.repeat(1_100_000)}"` })).status).toBe(413);
  });
});

describe('the endpoint under overload', () => {
  it('answers 503 when the sandbox queue is full', async () => {
    const sandbox = createSandbox({ warm: 0, concurrency: 1, maxQueue: 0 });
    const { base, close } = await listen(sandbox);
    try {
      const slow = post(base, { code: 'await new Promise((r) => setTimeout(r, 200)); "slow"' });
      await vi.waitFor(() => expect(sandbox.stats.running).toBe(1));
      expect(await post(base, { code: '1' })).toEqual({ status: 503, body: { error: 'busy, retry later' } });
      expect((await slow).body.value).toBe("'slow'");
    } finally {
      await close();
    }
  });
});
