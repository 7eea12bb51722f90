/**
 * The queue's options that are not run options: where Redis is, the queue's
 * names, the executor's lock. Pure checks, loaded by the CLI before it loads
 * bullmq and ioredis (optional peers).
 */
import type { RedisOptions } from 'ioredis';
import { fail } from '../options.js';

/** Where Redis is: a `redis://` or `rediss://` URL, or ioredis's connection options. */
export type QueueConnection = string | RedisOptions;

/** The queue's name when none is given. */
export const DEFAULT_QUEUE = 'repl-sandbox';

/** BullMQ's key prefix when none is given (BullMQ's own default). */
export const DEFAULT_PREFIX = 'bull';

/** Checks a `connection` option; the value to use. */
export function checkConnection(connection: unknown): QueueConnection {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) fail('connection', "a redis:// or rediss:// URL, or ioredis connection options", connection);
    return connection;
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    fail('connection', "a redis:// or rediss:// URL, or ioredis connection options", connection);
  }
  return connection;
}

/** Checks a name option (`queue`, `prefix`): a non-empty string without `:` (BullMQ's key separator). */
export function checkName(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '' || value.includes(':')) fail(name, 'a non-empty string without ":"', value);
  return value;
}

/** A URL or host:port to name Redis in messages, never with its password. */
export function describeConnection(connection: QueueConnection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      url.password = '';
      url.username = '';
      return url.toString();
    } catch {
      return connection;
    }
  }
  if (typeof connection.path === 'string') return connection.path;
  return `redis://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/** The shortest `lockDuration`: BullMQ renews the lock every half of it, from the executor's event loop. */
export const MIN_LOCK_DURATION = 1_000;

/** The default `lockDuration`: a lost executor's runs resolve `crashed` about 11 s after it died. */
export const DEFAULT_LOCK_DURATION = 10_000;

/** Checks `lockDuration`: whole milliseconds from 1 000 to 2^31 - 1 (the longest timer). */
export function checkLockDuration(value: unknown, name = 'lockDuration'): number {
  if (value === undefined) return DEFAULT_LOCK_DURATION;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_LOCK_DURATION || value > 2 ** 31 - 1) {
    fail(name, `whole milliseconds from ${MIN_LOCK_DURATION} to ${2 ** 31 - 1}`, value);
  }
  return value;
}
