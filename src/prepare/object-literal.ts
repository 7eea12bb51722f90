import type * as Acorn from 'acorn';

import type { ColumnMap } from '../protocol.js';
import { lazyRequire } from '../lazy-require.js';
import { lineStarts, locate } from './lines.js';

const acorn = lazyRequire<typeof Acorn>('acorn');

/**
 * Wraps code that starts with `{` in parentheses, as the Node REPL does:
 * `{ a: 1 }` evaluates to the object instead of a block with a label, and
 * `{a: 1}.a` to `1`, `{} + []` to `'[object Object]'`.
 *
 * The REPL's rule: the trimmed code starts with `{` and does not end with
 * `;`; it is wrapped when the parenthesized code parses (here: as one
 * expression), and evaluated as written otherwise. The parentheses go right
 * before the `{` and after the last non-blank character, on their lines.
 */
export function wrapObjectLiteral(code: string): { code: string; columns?: ColumnMap } {
  const first = code.search(/\S/);
  if (first === -1 || code.charCodeAt(first) !== 0x7b /* { */) return { code };
  let last = code.length - 1;
  while (last > first && /\s/.test(code.charAt(last))) last--;
  if (code.charCodeAt(last) === 0x3b /* ; */) return { code };

  const wrapped = `${code.slice(0, first)}(${code.slice(first, last + 1)})${code.slice(last + 1)}`;
  try {
    const program = acorn().parse(wrapped, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
    });
    if (program.body.length !== 1 || program.body[0]?.type !== 'ExpressionStatement') return { code };
  } catch {
    return { code };
  }
  // The `(` shifts the rest of its line by one column.
  const [line, column] = locate(lineStarts(code), first);
  return { code: wrapped, columns: [[line, column, column, 0], [line, column + 1, column, 1]] };
}
