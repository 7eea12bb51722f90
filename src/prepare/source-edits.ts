import type { ColumnMap } from '../protocol.js';
import { LINE_TERMINATOR, lineStarts, locate } from './lines.js';

/** One pending change; offsets refer to the original text. */
interface Edit {
  readonly pos: number;
  /** 0: append, 1: prepend, 2: replace — the order of edits at one offset. */
  readonly kind: 0 | 1 | 2;
  readonly seq: number;
  readonly end: number;
  readonly text: string;
  /** The text stands in for `[pos, end)` character for character (blanking). */
  readonly sameLength?: boolean;
}

/**
 * Where a stretch of the edited text starts and what it came from: copied
 * original text (each character maps to its own original offset), or inserted
 * text (every character maps to the offset it was inserted at).
 */
export interface EditSegment {
  /** Offset in the edited text. */
  readonly at: number;
  /** Offset in the original text. */
  readonly from: number;
  readonly copied: boolean;
}


/**
 * Insertions and replacements at offsets of one source text, applied in one
 * pass by {@link SourceEdits.apply}. Offsets always refer to the original
 * text, so edits can be recorded in any order while walking its AST.
 *
 * At one offset the output is: appended texts (earliest first), prepended
 * texts (latest first), then a replacement starting there. So a later append
 * or prepend wraps an earlier one, as when an outer node is edited after an
 * inner one.
 */
export class SourceEdits {
  readonly #source: string;
  readonly #edits: Edit[] = [];

  /** @param source - the text the offsets refer to. */
  constructor(source: string) {
    this.#source = source;
  }

  /** Inserts `text` at `pos`, before what earlier calls prepended there (to the start of a node). */
  prepend(pos: number, text: string): void {
    this.#edits.push({ pos, kind: 1, seq: this.#edits.length, end: pos, text });
  }

  /** Inserts `text` at `pos`, after what earlier calls appended there (to the end of a node). */
  append(pos: number, text: string): void {
    this.#edits.push({ pos, kind: 0, seq: this.#edits.length, end: pos, text });
  }

  /**
   * Replaces `[start, end)` with `text` followed by one newline for each line
   * break the replaced text held, so every later line keeps its number. Edits
   * strictly inside the range are dropped.
   */
  replace(start: number, end: number, text: string): void {
    const breaks = this.#source.slice(start, end).match(LINE_TERMINATOR)?.length ?? 0;
    this.#edits.push({ pos: start, kind: 2, seq: this.#edits.length, end, text: text + '\n'.repeat(breaks) });
  }

  /** Replaces every character of `[start, end)` but line breaks with a space: lines and columns stay put. */
  blank(start: number, end: number): void {
    const text = this.#source.slice(start, end).replace(/[^\r\n\u2028\u2029]/g, ' ');
    this.#edits.push({ pos: start, kind: 2, seq: this.#edits.length, end, text, sameLength: true });
  }

  /** The edited text, and the segments it is made of, in order (for mapping positions back). */
  apply(): { text: string; segments: EditSegment[] } {
    const edits = [...this.#edits].sort(
      (a, b) => a.pos - b.pos || a.kind - b.kind || (a.kind === 1 ? b.seq - a.seq : a.seq - b.seq),
    );
    let out = '';
    let cursor = 0;
    const segments: EditSegment[] = [];
    const copy = (end: number): void => {
      if (end > cursor) segments.push({ at: out.length, from: cursor, copied: true });
      out += this.#source.slice(cursor, end);
    };
    for (const edit of edits) {
      if (edit.pos < cursor) continue;
      copy(edit.pos);
      if (edit.text !== '') segments.push({ at: out.length, from: edit.pos, copied: edit.sameLength === true });
      out += edit.text;
      cursor = edit.kind === 2 ? edit.end : edit.pos;
    }
    copy(this.#source.length);
    return { text: out, segments };
  }
}

/**
 * The breakpoints that map the columns of `code` (the text {@link SourceEdits.apply}
 * made of `source`, after an `openerLength`-character opener when one was put
 * before it) back to `source`'s: the opener on line 1 (inserted), then every
 * segment that does not sit at its own column (plus any later one on such a
 * line).
 */
export function columnMapOfEdits(
  source: string,
  code: string,
  segments: readonly EditSegment[],
  openerLength = 0,
): ColumnMap {
  const codeLines = lineStarts(code);
  const sourceLines = lineStarts(source);
  const map: Array<[number, number, number, 0 | 1]> = [];
  const linesWithBreakpoints = new Set<number>();
  if (openerLength > 0) {
    map.push([1, 0, 0, 0]);
    linesWithBreakpoints.add(1);
  }
  for (const segment of segments) {
    const [line, column] = locate(codeLines, openerLength + segment.at);
    const [sourceLine, sourceColumn] = locate(sourceLines, segment.from);
    if (line !== sourceLine) continue; // only the closer after a trailing comment: nothing of the user's
    if (column === sourceColumn && segment.copied && !linesWithBreakpoints.has(line)) continue;
    map.push([line, column, sourceColumn, segment.copied ? 1 : 0]);
    linesWithBreakpoints.add(line);
  }
  return map;
}
