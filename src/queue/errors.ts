/**
 * `run()` on a queue sandbox could not reach Redis, or lost it while the run
 * was pending: an infrastructure failure, never the code's outcome. The
 * client reconnects by itself; a later `run()` works once Redis is back.
 */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly code = 'ERR_QUEUE_UNAVAILABLE';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
