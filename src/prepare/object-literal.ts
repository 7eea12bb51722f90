import type * as Acorn from 'acorn';

import { lazyRequire } from '../lazy-require.js';

const acorn = lazyRequire<typeof Acorn>('acorn');

/**
 * Wraps code that reads as an object literal in parentheses, as the Node REPL
 * does: `{ a: 1 }` evaluates to the object instead of a block with a label.
 *
 * Applies when the trimmed code starts with `{`, ends with `}` and the
 * parenthesized code parses as one expression; otherwise returns `code`.
 * The parentheses go right before the `{` and after the `}`, on their lines.
 */
export function wrapObjectLiteral(code: string): string {
  const first = code.search(/\S/);
  if (first === -1 || code.charCodeAt(first) !== 0x7b /* { */) return code;
  let last = code.length - 1;
  while (last > first && /\s/.test(code.charAt(last))) last--;
  if (code.charCodeAt(last) !== 0x7d /* } */) return code;

  const wrapped = `${code.slice(0, first)}(${code.slice(first, last + 1)})${code.slice(last + 1)}`;
  try {
    const program = acorn().parse(wrapped, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
    });
    return program.body.length === 1 && program.body[0]?.type === 'ExpressionStatement' ? wrapped : code;
  } catch {
    return code;
  }
}
