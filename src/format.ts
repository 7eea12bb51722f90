import type { RunError, RunResult } from './result.js';

/** Options of {@link formatResult}. */
export interface FormatOptions {
  /**
   * Characters at most. A longer text keeps its head and tail and marks the cut.
   * @default Infinity
   */
  readonly maxLength?: number;
}

function describeError(error: RunError): string {
  switch (error.type) {
    case 'exception': {
      const where = error.phase === 'setup' ? ' (in setup)' : '';
      // The stack already starts with "Name: message" for Errors.
      const text = error.stack !== '' ? error.stack : `${error.name}: ${error.message}`;
      return `Error${where}:\n${text}`;
    }
    case 'timeout':
      return `Error: timed out after ${error.timeout} ms`;
    case 'aborted':
      return `Error: aborted: ${error.message}`;
    case 'crashed':
      return `Error: the isolate crashed (${error.reason}${error.exitCode === undefined ? '' : `, exit code ${error.exitCode}`}): ${error.message}`;
  }
}

function limit(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const marker = `\n...(${text.length - maxLength} characters cut)...\n`;
  const room = Math.max(0, maxLength - marker.length);
  const head = Math.ceil(room / 2);
  return text.slice(0, head) + marker + text.slice(text.length - (room - head));
}

/**
 * The text a person or a model should read for a result: the output, then
 * `=> <inspected value>` or the error (type, name, message and the user's
 * stack frames). Durations are left out so the text is stable.
 *
 * @example
 * formatResult(await run('console.log("hi"); 6 * 7'))
 * // 'hi\n=> 42'
 */
export function formatResult(result: RunResult, options: FormatOptions = {}): string {
  const { maxLength = Infinity } = options;
  if (typeof maxLength !== 'number' || Number.isNaN(maxLength) || maxLength < 0) {
    throw new TypeError(`Expected \`maxLength\` to be a non-negative number, got \`${String(maxLength)}\` (${typeof maxLength})`);
  }
  const parts: string[] = [];
  if (result.output !== '') parts.push(result.output.endsWith('\n') ? result.output.slice(0, -1) : result.output);
  parts.push(result.ok ? `=> ${result.inspected}` : describeError(result.error));
  return limit(parts.join('\n'), maxLength);
}
