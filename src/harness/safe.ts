/**
 * Reading and printing values the code made, without letting them throw into
 * the harness: getters that throw, Proxies whose traps throw and objects whose
 * `inspect` fails give placeholders, never a second exception.
 */
import { inspect } from 'node:util';

/** `value[key]`, or `undefined` when reading it throws. */
export function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `value[key]`, or a placeholder naming what the getter threw. */
export function property(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch (error) {
    return `[getter threw: ${describe(error)}]`;
  }
}

/** `util.inspect(value)`, or a placeholder with the reason it failed. */
export function safeInspect(value: unknown): string {
  try {
    return inspect(value);
  } catch (error) {
    return `[uninspectable: ${reason(error)}]`;
  }
}

/** `util.inspect(value)` (`depth` levels deep, on one line, when given), or a bare placeholder. */
export function describe(value: unknown, depth?: number): string {
  try {
    return depth === undefined ? inspect(value) : inspect(value, { depth, breakLength: Infinity });
  } catch {
    return '[uninspectable]';
  }
}

function reason(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return String(typeof error === 'object' && error !== null ? read(error, 'message') : undefined);
  }
}
