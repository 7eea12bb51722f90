/** Line terminators as V8 and acorn count them. */
export const LINE_TERMINATOR = /\r\n|[\n\r\u2028\u2029]/g;

/** Offsets where each line of `text` starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(LINE_TERMINATOR)) starts.push(match.index + match[0].length);
  return starts;
}

/** The 1-based line and 0-based column of `offset`, given the {@link lineStarts} of its text. */
export function locate(starts: readonly number[], offset: number): [line: number, column: number] {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return [low + 1, offset - (starts[low] ?? 0)];
}

/** Line `line` (1-based) of `text`, without its terminator. */
export function lineAt(text: string, line: number): string | undefined {
  return text.split(LINE_TERMINATOR)[line - 1];
}
