import type { ColumnMap } from '../protocol.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** The numbers of one source-map segment (Base64 VLQ). */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char) ?? 0;
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  return values;
}

/**
 * A {@link ColumnMap} from the `mappings` of a source map whose generated code
 * keeps every line on its line (as sucrase's does): one breakpoint per mapped
 * token that moved, and every later one on its line. Segments that map to
 * another line are left out.
 */
export function columnMapFromMappings(mappings: string): ColumnMap {
  const map: Array<[number, number, number, 1]> = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  mappings.split(';').forEach((line, index) => {
    let column = 0;
    let moved = false;
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const [columnDelta = 0, , lineDelta, columnDeltaInSource] = decodeSegment(segment);
      column += columnDelta;
      if (lineDelta === undefined || columnDeltaInSource === undefined) continue;
      sourceLine += lineDelta;
      sourceColumn += columnDeltaInSource;
      if (sourceLine !== index) continue;
      if (!moved && column === sourceColumn) continue;
      moved = true;
      map.push([index + 1, column, sourceColumn, 1]);
    }
  });
  return map;
}
