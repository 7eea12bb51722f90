/**
 * The queue tests' Redis (test/queue/redis.ts): it answers, a restart brings
 * back an empty server on the same url, and stop() really stops it.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { REDIS_SERVER, useRedis } from './redis.js';

/**
 * A client that fails at once instead of retrying, for a server that is down,
 * and the errors it emitted (connect() itself rejects with only "Connection
 * is closed."; the cause comes as an 'error' event).
 */
function clientThatGivesUp(url: string): { client: Redis; errors: Error[] } {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  const errors: Error[] = [];
  client.on('error', (error: Error) => errors.push(error));
  return { client, errors };
}

describe.skipIf(REDIS_SERVER === undefined)('test Redis server', () => {
  const redis = useRedis();

  it('answers PING; restart() brings back an empty server on the same url; stop() stops it', async () => {
    const { server } = redis;
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);

    const before = new Redis(server.url);
    try {
      expect(await before.ping()).toBe('PONG');
      expect(await before.set('repl-sandbox:key', 'value')).toBe('OK');
      expect(await before.get('repl-sandbox:key')).toBe('value');
    } finally {
      before.disconnect();
    }

    await server.restart({ downMs: 50 });
    const after = new Redis(server.url);
    try {
      expect(await after.ping()).toBe('PONG');
      // Nothing is persisted: the key did not survive.
      expect(await after.get('repl-sandbox:key')).toBeNull();
    } finally {
      after.disconnect();
    }

    await server.stop();
    await server.stop(); // idempotent
    const refused = clientThatGivesUp(server.url);
    try {
      await expect(refused.client.connect()).rejects.toThrow();
      expect(refused.errors.map((error) => error.message).join('\n')).toMatch(/ECONNREFUSED/);
    } finally {
      refused.client.disconnect();
    }
  });
});
