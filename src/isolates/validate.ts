import type { HarnessMessage, RunReport } from '../protocol.js';

const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * Whether a message from an isolate is a report of the harness: the shape
 * the protocol promises and, once a task is out, that task's key. The channel
 * ends inside the code's own process or thread, where the code may find it
 * and write on it; a message that fails this check ends the run, never throws
 * in the host and never counts as a report.
 * @param key - the running task's key; `undefined` before a task was sent (only `ready` is valid then).
 */
export function isHarnessMessage(message: unknown, key: string | undefined): message is HarnessMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  if (m.type === 'ready') return key === undefined && (m.codeCache === undefined || m.codeCache instanceof Uint8Array);
  return key !== undefined && m.key === key && isRunReport(message);
}

/**
 * Whether a message has the shape of a run report (`'process'`, whose frame
 * header carried the key, checks the shape alone).
 */
export function isRunReport(message: unknown): message is RunReport {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'output':
      return isString(m.text);
    case 'output-total':
      return isCount(m.bytes);
    case 'result':
      return isString(m.inspected) && isTimings(m.timings);
    case 'exception':
      return (m.phase === 'setup' || m.phase === 'eval') && isString(m.name) && isString(m.message) && isString(m.stack) && isTimings(m.timings);
    default:
      return false;
  }
}

function isTimings(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.setupMs === 'number' && typeof t.evalMs === 'number' && typeof t.serializeMs === 'number';
}

/** The error an isolate that broke the protocol is reported with. */
export function malformedError(detail: string): Error {
  return new Error(`The isolate broke the report protocol (${detail}); it was stopped`);
}

/** The error for a message on the harness channel that the harness did not send. */
export function forgedError(): Error {
  return malformedError('a message on the harness channel that the harness did not send');
}

/** How many times the host asks for a report it could not read before it gives up. */
const MAX_RESENDS = 2;

/** How long a resend may take: the harness answers in milliseconds, and a run with `timeout: Infinity` must still end. */
const RESEND_WAIT_MS = 5_000;

/**
 * The host's side of "send that again, flatter" (see `ResendMessage`): at
 * most {@link MAX_RESENDS} requests, each answered within
 * {@link RESEND_WAIT_MS}, or the run ends `crashed`. The same at every level.
 */
export class Resends {
  readonly #request: (attempt: 1 | 2) => void;
  readonly #fail: (error: Error) => void;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(request: (attempt: 1 | 2) => void, fail: (error: Error) => void) {
    this.#request = request;
    this.#fail = fail;
  }

  /** A report could not be read: ask again, or give up. */
  unreadable(): void {
    clearTimeout(this.#timer);
    if (this.#count >= MAX_RESENDS) return this.#fail(unreadableError());
    this.#count++;
    this.#timer = setTimeout(() => this.#fail(unreadableError()), RESEND_WAIT_MS).unref();
    this.#request(this.#count as 1 | 2);
  }

  /** A report arrived, or the run ended: nothing is awaited any more. */
  settle(): void {
    clearTimeout(this.#timer);
  }
}

/** The error for a report the host could not read even in its flattest form. */
export function unreadableError(): Error {
  return malformedError('a report the host could not read, even flattened');
}
