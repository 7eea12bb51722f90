/**
 * repl-sandbox/queue: the same `run()` over a fleet of executors, on BullMQ
 * and Redis. The application calls {@link createQueueSandbox}; each executor
 * machine runs {@link startQueueWorker} (or `repl-sandbox worker`). Needs the
 * optional peer dependencies `bullmq` and `ioredis`.
 */
export { createQueueSandbox, QueueSandbox, type QueueSandboxOptions } from './client.js';
export { QueueWorker, type QueueWorkerOptions, startQueueWorker } from './executor.js';
export { QueueUnavailableError } from './errors.js';
export type { QueueConnection } from './options.js';
