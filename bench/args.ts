import { parseArgs as parseCommandLine } from 'node:util';

/** What the command line asked for. */
export interface CliArgs {
  readonly json: boolean;
  readonly quick: boolean;
  readonly durationSeconds: number | undefined;
  /** Where each run writes its JSON and chart; undefined: bench/results. */
  readonly outDir: string | undefined;
  /** Scenario name words; empty: every scenario. */
  readonly filters: readonly string[];
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options] [word ...]

Runs the benchmark scenarios side by side in one process. Words select the
scenarios whose name (or alias) contains one of them; none selects all.

Options:
  --json               print one JSON document on stdout (progress goes to stderr)
  --quick              shorter series and windows, for smoke-testing
  --duration <seconds> throughput window per concurrency level (default 3, --quick 1)
  --out <dir>          where every run writes bench-<timestamp>.json, latest.json
                       and latest.svg (default bench/results)
  -h, --help           this text`;

export class UsageError extends Error {}

/** Parses the bench command line with `node:util` parseArgs; throws UsageError on a bad one. */
export function parseArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseCommandLine({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        duration: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  let durationSeconds: number | undefined;
  if (values.duration !== undefined) {
    const seconds = Number(values.duration);
    if (values.duration.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError(`--duration expects a positive number of seconds, got ${JSON.stringify(values.duration)}`);
    }
    durationSeconds = seconds;
  }
  if (values.out?.trim() === '') throw new UsageError('--out expects a directory');
  return {
    json: values.json,
    quick: values.quick,
    durationSeconds,
    outDir: values.out,
    filters: positionals.map((word) => word.toLowerCase()),
    help: values.help,
  };
}
