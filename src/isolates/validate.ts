import type { HarnessMessage } from '../protocol.js';

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * Whether a message from an isolate has the shape the protocol promises. The
 * channel ends inside the code's own process or thread, where the code can
 * forge messages on it; a forged message must make the run fail, never throw
 * in the host.
 */
export function isHarnessMessage(message: unknown): message is HarnessMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return true;
    case 'output':
      return isString(m.text);
    case 'output-total':
      return typeof m.bytes === 'number';
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
