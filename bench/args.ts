/** What the command line asked for. */
export interface CliArgs {
  readonly json: boolean;
  readonly quick: boolean;
  readonly durationSeconds: number | undefined;
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
  -h, --help           this text`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliArgs {
  let json = false;
  let quick = false;
  let help = false;
  let durationSeconds: number | undefined;
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json') json = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const value = arg === '--duration' ? argv[++i] : arg.slice('--duration='.length);
      const seconds = Number(value);
      if (value === undefined || value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
        throw new UsageError(`--duration expects a positive number of seconds, got ${JSON.stringify(value)}`);
      }
      durationSeconds = seconds;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      filters.push(arg.toLowerCase());
    }
  }
  return { json, quick, durationSeconds, filters, help };
}
