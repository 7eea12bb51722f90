import { checkOption, fail } from './options.js';
import type { RunError, RunResult } from './result.js';

/** Options of {@link formatResult}. */
export interface FormatOptions {
  /**
   * Length of the text at most, in UTF-16 code units (`string.length`). A
   * longer text keeps its head and its tail and says how much was cut between
   * them: `\n...(1234 characters cut)...\n`. Below the marker's own length the
   * cut is marked with a single `…`; `0` gives `''`.
   * @default Infinity
   */
  readonly maxLength?: number;
}

/**
 * `TypeError: bad` for an Error, `Uncaught 42` for a thrown non-Error (whose
 * `name` is `'Uncaught'`): the first line of the report.
 */
function headline(name: string, message: string): string {
  if (name === 'Uncaught') return `Uncaught ${message}`;
  return message === '' ? name : `${name}: ${message}`;
}

/**
 * The stack without its `Name: message` line(s), which the headline already
 * shows. V8 puts them first; a SyntaxError puts the source excerpt first and
 * them last. A stack whose header differs (the name was changed after the
 * error was made) keeps only its frames.
 */
function stackBody(stack: string, name: string, message: string): string {
  const heads = [headline(name, message), `${name}: ${message}`, name];
  let body: string | undefined;
  for (const head of heads) {
    if (stack === head) body = '';
    else if (stack.startsWith(`${head}\n`)) body = stack.slice(head.length + 1);
    else if (stack.endsWith(`\n${head}`)) body = stack.slice(0, -(head.length + 1));
    if (body !== undefined) break;
  }
  if (body === undefined) {
    const lines = stack.split('\n');
    const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
    body = firstFrame === -1 ? '' : lines.slice(firstFrame).join('\n');
  }
  return body.replace(/^\n+|\n+$/g, '');
}

/** The error part of the report: one line saying what happened, then the user's frames for an exception. */
function describeError(error: RunError): string {
  switch (error.type) {
    case 'exception': {
      const head = `Exception${error.phase === 'setup' ? ' in setup' : ''}: ${headline(error.name, error.message)}`;
      const body = stackBody(error.stack, error.name, error.message);
      return body === '' ? head : `${head}\n${body}`;
    }
    case 'timeout':
      return `Timeout: ${error.message}`;
    case 'queue-timeout':
      return `Queue timeout: ${error.message}`;
    case 'aborted': {
      const { reason } = error;
      const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
      return `Aborted: ${error.message}${why === '' ? '' : ` (${why})`}`;
    }
    case 'crashed': {
      const { exitCode, message, reason } = error;
      const code = exitCode === undefined || message.includes(`code ${exitCode}`) ? '' : ` (exit code ${exitCode})`;
      return `Crashed (${reason}): ${message}${code}`;
    }
  }
}

/** The first half of a surrogate pair: a cut must not end right after it. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
/** The second half of a surrogate pair: a kept tail must not start with it. */
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * `text` in at most `maxLength` code units: the head and the tail around a
 * marker saying how many were cut. Never splits a surrogate pair.
 */
function limit(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const markers = [(cut: number) => `\n...(${cut} characters cut)...\n`, () => '…'];
  for (const marker of markers) {
    // The marker's length depends on the count it shows: shrink the kept
    // room until head + marker + tail fits.
    for (let room = maxLength - marker(0).length; room >= 0; room--) {
      // The tail gets the odd character: it holds the value or the error.
      let headEnd = Math.floor(room / 2);
      let tailStart = text.length - (room - headEnd);
      if (headEnd > 0 && isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd--;
      if (tailStart < text.length && isLowSurrogate(text.charCodeAt(tailStart))) tailStart++;
      const mark = marker(tailStart - headEnd);
      if (headEnd + mark.length + (text.length - tailStart) <= maxLength) {
        return text.slice(0, headEnd) + mark + text.slice(tailStart);
      }
    }
  }
  return '';
}

function checkResult(result: unknown): asserts result is RunResult {
  const candidate = result as Partial<Record<string, unknown>> | null;
  const ok = typeof candidate === 'object' && candidate !== null && typeof candidate.output === 'string' &&
    (candidate.ok === true ? typeof candidate.inspected === 'string' : candidate.ok === false && typeof candidate.error === 'object' && candidate.error !== null);
  if (!ok) fail('result', 'a RunResult', result);
}

/**
 * The text a person or a model should read for a result: what the code
 * printed (with the truncation note when it printed more than `maxOutput`),
 * then either `=> <inspected value>` or one line naming the error — its type,
 * and for an exception its name and message — followed by the user's own
 * stack frames. Durations are left out so the same run reads the same.
 *
 * | outcome | last part |
 * |---|---|
 * | ok | `=> 42` |
 * | exception | `Exception: TypeError: bad` + frames (`Exception in setup: …` for setup; `Exception: Uncaught 42` for a thrown non-Error) |
 * | timeout | `Timeout: Timed out after 500 ms` |
 * | queue-timeout | `Queue timeout: Not started within 2000 ms (queueTimeout): the sandbox was busy, the code did not run` |
 * | aborted | `Aborted: The run was aborted`, then the reason in parentheses when it is an Error or a string |
 * | crashed | `Crashed (exit): The isolate exited with code 3`, `Crashed (out-of-memory): …`, `Crashed (error): …` |
 *
 * @param result - a result of `run()` or `Sandbox#run()`.
 * @param options - `maxLength` bounds the text, keeping its head and tail.
 * @throws TypeError when `result` is not a RunResult or `maxLength` is not a
 *   non-negative integer or `Infinity`.
 *
 * @example
 * formatResult(await run('console.log("hi"); 6 * 7'))
 * // 'hi\n=> 42'
 * formatResult(await run('throw new TypeError("bad")'))
 * // 'Exception: TypeError: bad\n    at <sandbox>:1:7'
 */
export function formatResult(result: RunResult, options: FormatOptions = {}): string {
  checkResult(result);
  const maxLength = options.maxLength === undefined ? Infinity : checkOption('maxLength', options.maxLength);
  const parts: string[] = [];
  if (result.output !== '') parts.push(result.output.endsWith('\n') ? result.output.slice(0, -1) : result.output);
  parts.push(result.ok ? `=> ${result.inspected}` : describeError(result.error));
  return limit(parts.join('\n'), maxLength);
}
