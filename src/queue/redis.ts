import { Redis, type RedisOptions } from 'ioredis';
import type { QueueConnection } from './options.js';

/**
 * A new ioredis client. It reconnects for ever, backing off to 1 s;
 * `failFast` clients refuse commands while disconnected (the caller gets an
 * error at once instead of a command queued until Redis returns).
 */
export function openRedis(connection: QueueConnection, { failFast, name }: { readonly failFast: boolean; readonly name: string }): Redis {
  const options: RedisOptions = {
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 50, 1_000),
    ...(failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : { maxRetriesPerRequest: null }),
  };
  return typeof connection === 'string' ? new Redis(connection, options) : new Redis({ ...connection, ...options });
}
