/**
 * Errors the library throws at its caller. The evaluated code's own failures
 * are never thrown: they are `RunResult` values. Switch on `code`, not on the
 * message.
 */

/** `run()` was called on a sandbox after `close()`. */
export class SandboxClosedError extends Error {
  override readonly name = 'SandboxClosedError';
  readonly code = 'ERR_SANDBOX_CLOSED';
  constructor(message = 'The sandbox is closed: create a new one to run more code') {
    super(message);
  }
}

/** `run()` found the sandbox's queue already holding `maxQueue` waiting evaluations. */
export class SandboxOverloadedError extends Error {
  override readonly name = 'SandboxOverloadedError';
  readonly code = 'ERR_SANDBOX_OVERLOADED';
  /** The `maxQueue` that was reached. */
  readonly maxQueue: number;
  constructor(maxQueue: number) {
    super(`The sandbox's queue is full: ${maxQueue} evaluation(s) already waiting (maxQueue)`);
    this.maxQueue = maxQueue;
  }
}

/**
 * `createSandbox({ isolation: 'confined' })` on a host where bubblewrap is
 * missing or cannot create namespaces (macOS, Windows, a container without
 * user namespaces). The library never falls back to a weaker level by itself:
 * catch this to choose one explicitly.
 */
export class ConfinementUnavailableError extends Error {
  override readonly name = 'ConfinementUnavailableError';
  readonly code = 'ERR_CONFINEMENT_UNAVAILABLE';
}
