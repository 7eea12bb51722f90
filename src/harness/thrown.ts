import { types } from 'node:util';
import { read, safeInspect } from './safe.js';

/** What the host reports of a thrown value: the fields of an `exception` RunError. */
export interface ThrownDescription {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

const FRAME = /^\s+at /;

/**
 * Trims a stack trace to the frames the user wrote: everything below the last
 * frame in one of `userFiles` belongs to the harness and Node's dispatch.
 * Without a user frame (a SyntaxError, an error from a timer's internals) the
 * trace is cut at the first frame of ours instead.
 */
export function cleanStack(stack: string, userFiles: readonly string[], ownMarkers: readonly string[]): string {
  const lines = stack.split('\n');
  const first = lines.findIndex((line) => FRAME.test(line));
  if (first === -1) return stack;
  const isUser = (line: string): boolean =>
    userFiles.some((file) => line.includes(`(${file}:`) || line.includes(`at ${file}:`));
  let end = -1;
  for (let i = first; i < lines.length; i++) if (isUser(lines[i] ?? '')) end = i + 1;
  if (end === -1) {
    end = lines.findIndex((line, i) => i >= first && ownMarkers.some((marker) => line.includes(marker)));
    if (end === -1) end = lines.length;
  }
  return lines.slice(0, end).join('\n').trimEnd();
}

/** Whether a thrown value is an Error of any realm (or looks exactly like one). */
function isErrorLike(value: unknown): value is object {
  if (types.isNativeError(value)) return true;
  return typeof value === 'object' && value !== null && typeof read(value, 'stack') === 'string' && typeof read(value, 'message') === 'string';
}

/**
 * Describes a thrown value the way a REPL reports it. Getters that throw and
 * hostile objects give placeholders, never a second exception.
 */
export function describeThrown(value: unknown, clean: (stack: string) => string): ThrownDescription {
  if (!isErrorLike(value)) {
    const shown = safeInspect(value);
    return { name: 'Uncaught', message: shown, stack: `Uncaught ${shown}` };
  }
  const rawName = read(value, 'name');
  const rawMessage = read(value, 'message');
  const rawStack = read(value, 'stack');
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : 'Error';
  const message = typeof rawMessage === 'string' ? rawMessage : safeInspect(rawMessage);
  const stack = typeof rawStack === 'string' ? clean(rawStack) : `${name}: ${message}`;
  return { name, message, stack };
}
