/**
 * The README's code, kept true: every fenced block is run, type-checked or
 * listed below with the reason it is neither.
 *
 * - ```js and ```mjs blocks run as ES modules, ```cjs blocks as CommonJS,
 *   each with plain `node` (no loader, no flag), from test/.readme-tmp/.
 *   `import 'repl-sandbox'` resolves there as a user's would: through the
 *   package's own `exports` (Node's self-reference from inside the
 *   package), so against the built dist/. Each must exit 0.
 * - ```ts blocks are type-checked together by tsc with the repository's
 *   settings (tsconfig.json), `repl-sandbox` resolved through `exports` to
 *   dist/*.d.ts instead of the src/ path mapping; unused locals are allowed
 *   (examples declare things to show them). They are not run: several need
 *   a network, an API key, a long-running server or host paths.
 * - ```sh, ```json, ```md and untagged blocks are neither (the quick start
 *   was checked by hand: `npx repl-sandbox …` in a clone prints hi, => 42).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'test', '.readme-tmp');

/** Blocks neither run nor type-checked, by a piece of their text, and why. */
const NOT_CHECKED: readonly { readonly contains: string; readonly why: string }[] = [
  { contains: 'run(code: string, options?: RunOptions): Promise<RunResult>', why: 'signatures of the API, not code' },
  { contains: 'sandbox.warmup(): Promise<void>', why: 'signatures of the API, not code' },
  {
    contains: 'console.log(await openAIChatLoop(new OpenAI(), sandbox, question));',
    why: 'calls the loops of the blocks above; the same program is test/fixtures/sdk-loops-main.ts, which `npm run typecheck` checks',
  },
];

interface Block {
  readonly lang: string;
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The fenced blocks at the start of a line (an indented fence, such as one shown inside a ````md block, is not one). */
function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    found.push({ lang: open[1] ?? '', code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return found;
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function node(args: readonly string[], timeout: number): Promise<Ran> {
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const all = blocks(readFileSync(join(root, 'README.md'), 'utf8'));
const skipped = (block: Block): boolean => NOT_CHECKED.some(({ contains }) => block.code.includes(contains));
const runnable = all.filter((block) => ['js', 'mjs', 'cjs'].includes(block.lang) && !skipped(block));
const typed = all.filter((block) => block.lang === 'ts' && !skipped(block));

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README code blocks', () => {
  it('finds the blocks it expects, and every entry of NOT_CHECKED still matches one', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    expect(typed.length).toBeGreaterThanOrEqual(4);
    for (const { contains } of NOT_CHECKED) expect(all.some((block) => block.code.includes(contains)), contains).toBe(true);
    // No block of a runnable or typed language is left out silently.
    const languages = new Set(all.map((block) => block.lang));
    for (const lang of languages) expect(['js', 'mjs', 'cjs', 'ts', 'sh', 'json', 'md', ''], `a \`\`\`${lang} block`).toContain(lang);
  });

  it.concurrent.each(runnable.map((block) => [`${block.lang} block at README.md:${block.line}`, block] as const))('runs the %s with node, exit 0', async (_, block) => {
    const file = join(dir, `block-${block.line}.${block.lang === 'cjs' ? 'cjs' : 'mjs'}`);
    writeFileSync(file, block.code);
    const ran = await node([file], 20_000);
    // Printed, so a reader of the test log sees what the example shows.
    console.log(`README.md:${block.line} printed:\n${ran.stdout}${ran.stderr === '' ? '' : `stderr:\n${ran.stderr}`}`);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
  });

  it.concurrent('shows the MCP client configuration that repl-sandbox mcp --help prints', async () => {
    const shown = all.find((block) => block.lang === 'json' && block.code.includes('"mcpServers"'));
    const help = await node([join(root, 'dist', 'cli.js'), 'mcp', '--help'], 20_000);
    const printed = help.stdout.split('\n').find((line) => line.trim().startsWith('{"mcpServers"'));
    expect(JSON.parse(shown?.code ?? 'null')).toEqual(JSON.parse(printed ?? 'null'));
  });

  it.concurrent('type-checks the ts blocks with tsc, against the built package', async () => {
    for (const block of typed) writeFileSync(join(dir, `block-${block.line}.ts`), `${block.code}export {};\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        // paths: {} drops the src/ mapping, so 'repl-sandbox' resolves as for a user: exports → dist/*.d.ts.
        compilerOptions: { noUnusedLocals: false, noUnusedParameters: false, paths: {} },
        include: ['*.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const ran = await node([tsc, '-p', join(dir, 'tsconfig.json'), '--noEmit'], 60_000);
    // tsc names each file block-<line>.ts: the README line of its fence.
    expect(ran.stdout + ran.stderr).toBe('');
    expect(ran.status).toBe(0);
  });
});
