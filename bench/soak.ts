/**
 * `npx tsx bench/soak.ts [--runs N] [--level worker|context|process|confined] [--concurrency N] [--memory-limit MB]`
 *
 * Soak: thousands of mixed runs — ok, throw, timeout, crash (process.exit),
 * output flood, out-of-memory — at a fixed concurrency against one sandbox
 * per isolation level. Every result is checked against what its kind must
 * give; at the end the sandbox must be idle, host RSS growth bounded, and no
 * child process or extra thread left. Prints one JSON document on stdout
 * (progress on stderr). The engine is test/soak-engine.ts, which
 * `test/soak.test.ts` runs with fewer runs.
 *
 * Runs the built package (a snapshot of dist/, see ./library.ts): run
 * `npm run build` first.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs as parseCommandLine } from 'node:util';
// Types only: tsx honours tsconfig's mapping of 'repl-sandbox' to src/ at run time, so the
// command line loads a snapshot of dist/ through ./library.js.
import type { Isolation } from 'repl-sandbox';
import { runSoak, type SoakReport } from '../test/soak-engine.js';
import { loadLibrary } from './library.js';

interface SoakArgs {
  readonly runs: number;
  readonly levels: readonly Isolation[];
  readonly concurrency: number;
  readonly memoryLimit: number;
}

/** Every level; `'confined'` only when asked for (it needs bubblewrap). */
const LEVELS: readonly Isolation[] = ['worker', 'context', 'process', 'confined'];
const DEFAULT_LEVELS: readonly Isolation[] = ['worker', 'context', 'process'];

const SOAK_USAGE = 'usage: npx tsx bench/soak.ts [--runs N] [--level worker|context|process|confined] [--concurrency N] [--memory-limit MB]';

function parseArgs(argv: readonly string[]): SoakArgs {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      runs: { type: 'string', default: '2000' },
      level: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      'memory-limit': { type: 'string', default: '64' },
    },
  });
  const positive = (flag: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} expects a positive integer, got ${JSON.stringify(value)}\n${SOAK_USAGE}`);
    return n;
  };
  const level = values.level;
  if (level !== undefined && !LEVELS.includes(level as Isolation)) {
    throw new Error(`--level expects worker, context, process or confined, got ${JSON.stringify(level)}\n${SOAK_USAGE}`);
  }
  return {
    runs: positive('runs', values.runs),
    levels: level === undefined ? DEFAULT_LEVELS : [level as Isolation],
    concurrency: positive('concurrency', values.concurrency),
    memoryLimit: positive('memory-limit', values['memory-limit']),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { library, info, dispose } = await loadLibrary();
  if (info.stale) process.stderr.write(`soak: warning: dist/ is older than src/ (built ${info.distBuiltAt})\n`);
  const reports: SoakReport[] = [];
  for (const isolation of args.levels) {
    process.stderr.write(`soak: ${isolation}, ${args.runs} runs at concurrency ${args.concurrency}\n`);
    reports.push(
      await runSoak(library, {
        isolation,
        runs: args.runs,
        concurrency: args.concurrency,
        memoryLimit: args.memoryLimit,
        onProgress: (done, runs) => process.stderr.write(`  ${done}/${runs}\n`),
      }),
    );
  }
  const passed = reports.every(
    (r) => r.wrong === 0 && r.rejected === 0 && r.statsAfterClose.running === 0 && r.statsAfterClose.queued === 0 && r.childrenAfterClose === 0,
  );
  const document = {
    kind: 'soak',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    library: info,
    mix: 'per 20 runs: 12 ok, 3 throw, 2 flood, 1 timeout (100 ms), 1 crash (process.exit(3)), 1 out-of-memory',
    passed,
    levels: reports,
  };
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  process.exitCode = passed ? 0 : 1;
  dispose();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
