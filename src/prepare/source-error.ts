import { lineAt } from './lines.js';

/**
 * Thrown by `prepareSource` for input that cannot be prepared: several
 * markdown code fences, a fence tagged with a language that is not JavaScript
 * or TypeScript, a TypeScript syntax error found by the type stripper, or a
 * TypeScript `namespace` (which the stripper cannot keep).
 *
 * It is a `SyntaxError` (and its `name` says so) because, to the caller, the
 * code did not compile; the sandbox reports it as an exception result.
 */
export class SourceError extends SyntaxError {
  override name = 'SyntaxError';
  /** 1-based line of the problem in the prepared code (the fenced code when there is a fence), when known. */
  readonly line: number | undefined;
  /** 1-based column of the problem, when known. */
  readonly column: number | undefined;
  /** The text of line `line`, when known: for a caret under the problem, as V8 shows one. */
  readonly sourceLine: string | undefined;

  /**
   * @param message - what is wrong; when `line` is given, ` (line:column)` is appended.
   * @param line - 1-based line, when known.
   * @param column - 1-based column, when known.
   * @param code - the code `line` counts in, to keep that line's text.
   */
  constructor(message: string, line?: number, column?: number, code?: string) {
    super(line === undefined ? message : `${message} (${line}:${column ?? 1})`);
    this.line = line;
    this.column = line === undefined ? undefined : (column ?? 1);
    this.sourceLine = line === undefined || code === undefined ? undefined : lineAt(code, line);
  }
}
