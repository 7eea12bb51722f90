import type * as Sucrase from 'sucrase';

import type { ColumnMap } from '../protocol.js';
import { lazyRequire } from '../lazy-require.js';
import { declareParameterProperties } from './parameter-properties.js';
import { columnMapFromMappings } from './source-map.js';

import { SourceError } from './source-error.js';

/** The file name sucrase is told (it needs one for a source map); it never reaches the user. */
const SUCRASE_FILE = 'sandbox.ts';

const sucrase = lazyRequire<typeof Sucrase>('sucrase');

/** amaro: the type stripper Node itself ships (`module.stripTypeScriptTypes`). */
interface Amaro {
  transformSync(code: string, options: { mode: 'strip-only' }): { code: string };
}
const amaro = lazyRequire<Amaro>('amaro');

/**
 * Strips TypeScript syntax, keeping every line on its line.
 *
 * First as Node does (amaro's strip-only mode): types become whitespace, so
 * every position is kept, imports stay as written (use `import type` for
 * types), and type parameters after `return`/`throw`/`yield` keep the code's
 * meaning. What strip-only refuses — `enum`, parameter properties,
 * namespaces — and any syntax error go to sucrase: only its `typescript`
 * transform runs (ES imports/exports stay for the top-level transform,
 * modern syntax is left alone, `enum` and parameter properties become plain
 * JS, parameter properties declared as class fields first as Node does), with
 * a token-level column map.
 *
 * @returns the JavaScript and its column maps, the one of the last step first.
 * @throws SourceError with sucrase's message and position on a syntax error.
 */
export function stripTypes(code: string): { code: string; columns: ColumnMap[] } {
  const asNode = stripOnly(code);
  if (asNode !== undefined) return { code: asNode, columns: [] };
  const declared = declareParameterProperties(code);
  let stripped: string;
  let mappings: string;
  try {
    const result = sucrase().transform(declared?.code ?? code, {
      transforms: ['typescript'],
      disableESTransforms: true,
      // Token-level: maps stack columns back past the removed annotations.
      sourceMapOptions: { compiledFilename: 'sandbox.js' },
      filePath: SUCRASE_FILE,
    });
    stripped = result.code;
    mappings = result.sourceMap?.mappings ?? '';
  } catch (error) {
    throw toSourceError(error, code);
  }
  if (NAMESPACE.test(code)) rejectDroppedNamespace(declared?.code ?? code, stripped);
  const columns = columnMapFromMappings(mappings);
  return { code: stripped, columns: declared === undefined ? [columns] : [columns, declared.columns] };
}

/** amaro's strip-only result, or `undefined` where it refuses the code (sucrase then decides). */
function stripOnly(code: string): string | undefined {
  try {
    return amaro().transformSync(code, { mode: 'strip-only' }).code;
  } catch {
    return undefined;
  }
}

// A `namespace N {` / `module N {` block at the start of a line (not `declare`).
const NAMESPACE = /^[ \t]*(?:export[ \t]+)?(?:namespace|module)[ \t]+[\w$.]+[ \t]*\{/m;
const NAMESPACE_LINE = new RegExp(NAMESPACE.source);

/**
 * sucrase treats every namespace as types only and drops it, so code using a
 * namespace's values would fail later with a puzzling ReferenceError. Lines
 * are kept, so a namespace line that lost its keyword was dropped; one inside
 * a string or comment survives and is not reported.
 */
function rejectDroppedNamespace(code: string, stripped: string): void {
  const before = code.split('\n');
  const after = stripped.split('\n');
  before.forEach((line, index) => {
    if (NAMESPACE_LINE.test(line) && !after[index]?.includes(line.trim())) {
      throw new SourceError(
        'TypeScript namespaces are not supported (the type stripper would drop them); ' +
          'use an object or plain declarations instead',
        index + 1,
        line.search(/\S/) + 1,
        code,
      );
    }
  });
}

function toSourceError(error: unknown, code: string): SourceError {
  if (!(error instanceof Error)) return new SourceError(`TypeScript could not be stripped: ${String(error)}`);
  // Given a filePath (a source map needs one), sucrase prefixes "Error transforming <file>: ".
  const message = error.message.replace(`Error transforming ${SUCRASE_FILE}: `, '');
  const loc = (error as Error & { loc?: { line?: unknown; column?: unknown } }).loc;
  if (typeof loc?.line === 'number' && typeof loc.column === 'number') {
    // sucrase appends " (line:column)"; SourceError appends its own.
    return new SourceError(`TypeScript syntax error: ${message.replace(/ \(\d+:\d+\)$/, '')}`, loc.line, loc.column, code);
  }
  return new SourceError(`TypeScript could not be stripped: ${message}`);
}
