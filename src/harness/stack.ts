import type { ColumnMap, ColumnMaps, SourceUnit } from '../protocol.js';
import { cleanStack } from './thrown.js';

/** The running task's own files, and how their columns map back to the code as written. */
export interface StackSources {
  readonly userFiles: readonly string[];
  readonly columns: ReadonlyMap<string, ColumnMaps>;
}

/** The stack sources of a task's units. */
export function stackSources(units: readonly SourceUnit[]): StackSources {
  const columns = new Map<string, ColumnMaps>();
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
export function mapStackColumns(stack: string, columns: ReadonlyMap<string, ColumnMaps>): string {
  if (columns.size === 0) return stack;
  let mapped = stack;
  for (const [file, maps] of columns) {
    // Only in frame lines ("    at f (<sandbox>:1:2)" / "    at <sandbox>:1:2").
    const position = new RegExp(`^(\\s+at (?:.*\\()?)${escapeRegExp(file)}:(\\d+):(\\d+)`, 'gm');
    mapped = mapped.replace(position, (_match, lead: string, line: string, column: string) => {
      let original = Number(column);
      for (const map of maps) original = originalColumn(map, Number(line), original);
      return `${lead}${file}:${line}:${original}`;
    });
  }
  return mapped;
}

/**
 * Node's internal mark of its own errors (`kIsNodeError`), found on the
 * prototype chain of one: Node heads their stacks with the code too.
 */
const NODE_ERROR_MARK: symbol | undefined = (() => {
  try {
    Buffer.alloc(-1);
  } catch (error) {
    for (let proto: unknown = error; proto !== null && typeof proto === 'object'; proto = Object.getPrototypeOf(proto)) {
      const mark = Object.getOwnPropertySymbols(proto).find((symbol) => symbol.description === 'kIsNodeError');
      if (mark !== undefined) return mark;
    }
  }
  return undefined;
})();

/** The first line of a stack, as Node's default formatter writes it; never throws. */
function errorHeader(error: unknown): string {
  try {
    if (NODE_ERROR_MARK !== undefined && typeof error === 'object' && error !== null && NODE_ERROR_MARK in error) {
      const { name, code, message } = error as { name: unknown; code: unknown; message: unknown };
      return `${String(name)} [${String(code)}]: ${String(message)}`;
    }
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/** Sources when no task runs: the default file name, nothing mapped. */
const NO_SOURCES: StackSources = { userFiles: ['<sandbox>'], columns: new Map() };

/**
 * Makes every stack the user sees show the user's frames only, at the lines
 * and columns the user wrote: stacks of errors made in a sandbox realm as they
 * are formatted (as that realm's `Error.prepareStackTrace`), and any other
 * stack text after the fact.
 */
export class StackFormatter {
  readonly #ownMarkers: readonly string[];
  readonly #sources: () => StackSources | undefined;
  /** Errors whose stack {@link prepareStackTrace} wrote: already trimmed and mapped. */
  readonly #formatted = new WeakSet<object>();

  /**
   * @param ownMarkers - text that marks a frame of ours (the harness file, `node:vm`).
   * @param sources - the running task's sources, if a task runs.
   */
  constructor(ownMarkers: readonly string[], sources: () => StackSources | undefined) {
    this.#ownMarkers = ownMarkers;
    this.#sources = sources;
  }

  /** Maps the columns of a formatted stack and trims it to the user's frames. */
  readonly fix = (stack: string, sources: StackSources = this.#sources() ?? NO_SOURCES): string =>
    cleanStack(mapStackColumns(stack, sources.columns), sources.userFiles, this.#ownMarkers);

  /** {@link fix} for the stack of `thrown`, unless {@link prepareStackTrace} already fixed it. */
  readonly clean = (stack: string, thrown: unknown, sources: StackSources = this.#sources() ?? NO_SOURCES): string =>
    typeof thrown === 'object' && thrown !== null && this.#formatted.has(thrown) ? stack : this.fix(stack, sources);

  /**
   * `Error.prepareStackTrace` for the sandbox realms and the isolate's own:
   * errors made there — by the user's code, or by Node for it (an `fs`
   * error) — get a fixed stack however it is read: `error.stack`,
   * `console.log(error)`, `util.inspect`. Node's own format.
   */
  readonly prepareStackTrace = (error: unknown, frames: readonly NodeJS.CallSite[]): string => {
    // `frames` is an array of the sandbox realm, whose Array.prototype the code
    // may have changed: read it by index only.
    let lines = '';
    for (let i = 0; i < frames.length; i++) {
      // CallSite#toString is V8's own frame text ("f (<sandbox>:1:2)"); @types/node does not declare it.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string
      lines += `\n    at ${String(frames[i])}`;
    }
    const stack = this.fix(errorHeader(error) + lines);
    if (typeof error === 'object' && error !== null) this.#formatted.add(error);
    return stack;
  };
}
