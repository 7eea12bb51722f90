import type { ColumnMap, SourceUnit } from '../protocol.js';

/** The running task's own files, and how their columns map back to the code as written. */
export interface StackSources {
  readonly userFiles: readonly string[];
  readonly columns: ReadonlyMap<string, ColumnMap>;
}

/** The stack sources of a task's units. */
export function stackSources(units: readonly SourceUnit[]): StackSources {
  const columns = new Map<string, ColumnMap>();
  for (const unit of units) if (unit.columns !== undefined && unit.columns.length > 0) columns.set(unit.filename, unit.columns);
  return { userFiles: units.map((unit) => unit.filename), columns };
}

/** The column (1-based) of the code as written for `line`:`column` (1-based) of the prepared code. */
export function originalColumn(map: ColumnMap, line: number, column: number): number {
  const at = column - 1;
  let hit: ColumnMap[number] | undefined;
  for (const breakpoint of map) {
    if (breakpoint[0] === line && breakpoint[1] <= at && (hit === undefined || breakpoint[1] >= hit[1])) hit = breakpoint;
  }
  if (hit === undefined) return column;
  return (hit[3] === 1 ? hit[2] + (at - hit[1]) : hit[2]) + 1;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites the `file:line:column` of frames in mapped files to the columns of the code as written. */
export function mapStackColumns(stack: string, columns: ReadonlyMap<string, ColumnMap>): string {
  if (columns.size === 0) return stack;
  let mapped = stack;
  for (const [file, map] of columns) {
    // Only in frame lines ("    at f (<sandbox>:1:2)" / "    at <sandbox>:1:2").
    const position = new RegExp(`^(\\s+at (?:.*\\()?)${escapeRegExp(file)}:(\\d+):(\\d+)`, 'gm');
    mapped = mapped.replace(position, (_match, lead: string, line: string, column: string) => {
      return `${lead}${file}:${line}:${originalColumn(map, Number(line), Number(column))}`;
    });
  }
  return mapped;
}

/** `Error.prototype.toString` of anything, as Node heads a stack; never throws. */
export function errorHeader(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}
