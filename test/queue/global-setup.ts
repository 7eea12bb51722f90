/**
 * Vitest's global setup: looks for redis-server once, before the test files
 * start, so that "queue tests skipped" is one line per run (the files inherit
 * the mark in the environment); under CI=true a missing redis-server fails
 * the run at once.
 */
import { findRedisServer } from './redis.js';

export default function setup(): void {
  findRedisServer();
}
