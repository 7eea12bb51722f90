import { SourceError } from './source-error.js';

/** What {@link extractFence} found: the code to run and the language its fence names. */
export interface FencedSource {
  /** The fenced code (verbatim, line 1 = first line inside the fence), or the whole input when there is no fence. */
  readonly code: string;
  /** Language named by the fence's tag; undefined for an untagged fence or no fence. */
  readonly language: 'js' | 'ts' | undefined;
}

const TAG_LANGUAGES: ReadonlyMap<string, 'js' | 'ts'> = new Map([
  ['js', 'js'],
  ['javascript', 'js'],
  ['mjs', 'js'],
  ['cjs', 'js'],
  ['node', 'js'],
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['mts', 'ts'],
  ['cts', 'ts'],
]);

// CommonMark backtick fences: up to 3 spaces of indentation, 3+ backticks, an info
// string without backticks. Tilde fences are not recognised: `~~~x` is valid JS.
const OPENING_FENCE = /^ {0,3}(`{3,})([^`]*)$/;
const CLOSING_FENCE = /^ {0,3}(`{3,})[ \t]*$/;
// In valid JS a line can only start with ``` inside a block comment (a template
// literal cannot hold a raw backtick): a line opening a comment that no later
// line closes means the "fence" is commented-out code. Globs like `src/**/*.ts`
// in prose do not start a line.
const UNCLOSED_BLOCK_COMMENT = /^[ \t]*\/\*(?![^]*\*\/)/m;

interface Block {
  readonly tag: string;
  readonly openingLine: number;
  readonly contentStart: number;
  contentEnd: number;
}

/**
 * Finds the one markdown code fence in `input` and returns its content.
 *
 * Input without a fence line is returned as-is. So is input in which a line
 * before the first fence line starts a block comment (`/*`) that no later
 * line before it closes: that "fence" is inside a comment of plain code.
 *
 * @throws SourceError when the input holds several fences, or one whose tag
 *   is not a JavaScript/TypeScript tag.
 */
export function extractFence(input: string): FencedSource {
  if (!input.includes('```')) return { code: input, language: undefined };

  const blocks: Block[] = [];
  let open: (Block & { readonly fenceLength: number }) | undefined;
  let lineNumber = 0;
  for (let start = 0; start <= input.length; ) {
    const newline = input.indexOf('\n', start);
    const end = newline === -1 ? input.length : newline;
    const next = newline === -1 ? input.length + 1 : newline + 1;
    const line = input.charCodeAt(end - 1) === 13 ? input.slice(start, end - 1) : input.slice(start, end);
    lineNumber++;

    if (open === undefined) {
      const opening = OPENING_FENCE.exec(line);
      if (opening) {
        if (blocks.length === 0 && UNCLOSED_BLOCK_COMMENT.test(input.slice(0, start))) return { code: input, language: undefined };
        open = {
          tag: (opening[2] ?? '').trim().split(/\s+/, 1)[0] ?? '',
          openingLine: lineNumber,
          fenceLength: opening[1]?.length ?? 3,
          contentStart: Math.min(next, input.length),
          contentEnd: input.length,
        };
      }
    } else {
      const closing = CLOSING_FENCE.exec(line);
      if (closing && (closing[1]?.length ?? 0) >= open.fenceLength) {
        // The content ends before the newline that precedes the closing fence line.
        open.contentEnd = Math.max(open.contentStart, start - 1);
        blocks.push(open);
        open = undefined;
      }
    }
    start = next;
  }
  // CommonMark: an unclosed fence runs to the end of the input.
  if (open !== undefined) blocks.push(open);

  const [block, ...others] = blocks;
  if (block === undefined) return { code: input, language: undefined };
  if (others.length > 0) {
    const lines = blocks.map((b) => b.openingLine).join(', ');
    throw new SourceError(
      `The input holds ${blocks.length} markdown code fences (opening on lines ${lines}); only one is accepted. ` +
        'Send the code of one fence, or plain code without fences.',
    );
  }
  return { code: input.slice(block.contentStart, block.contentEnd), language: tagLanguage(block.tag) };
}

function tagLanguage(tag: string): 'js' | 'ts' | undefined {
  if (tag === '') return undefined;
  const language = TAG_LANGUAGES.get(tag.toLowerCase());
  if (language === undefined) {
    throw new SourceError(
      `The code fence is tagged "${tag}", which is not JavaScript or TypeScript. ` +
        `Accepted tags: ${[...TAG_LANGUAGES.keys()].join(', ')}, or none.`,
    );
  }
  return language;
}
