#!/usr/bin/env node
/**
 * The command line: `repl-sandbox '<code>'`. Built only on the public API.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSandbox, type RunResult } from './index.js';

const USAGE = `Usage: repl-sandbox [options] '<code>'

Evaluates JavaScript in a fresh isolate, prints what it printed, then the value
of its last expression as a REPL shows it.

Options:
  --timeout <ms>       wall-clock limit for the run (default 60000)
  --max-output <bytes> output kept before truncation (default 50000)
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 ok, 1 the code threw, 124 timed out, 2 crashed or bad usage.

Examples:
  repl-sandbox 'console.log("hi"); 6 * 7'
  repl-sandbox --timeout 1000 'while (true) {}'`;

const EXIT = { ok: 0, exception: 1, usage: 2, crashed: 2, aborted: 2, timeout: 124 } as const;

class UsageError extends Error {}

function parseNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = text === 'Infinity' ? Infinity : Number(text);
  if (text.trim() === '' || Number.isNaN(value) || value < 0) {
    throw new UsageError(`${flag} expects a non-negative number, got '${text}'`);
  }
  return value;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function report(result: RunResult): number {
  if (result.ok) {
    process.stdout.write(`=> ${result.inspected}\n`);
    return EXIT.ok;
  }
  const { error } = result;
  if (error.type === 'exception') {
    process.stderr.write(`${error.phase === 'setup' ? '(in setup) ' : ''}${error.stack || `${error.name}: ${error.message}`}\n`);
  } else {
    process.stderr.write(`${error.type}: ${error.message}\n`);
  }
  return EXIT[error.type];
}

async function main(argv: readonly string[]): Promise<number> {
  let values: { timeout?: string; 'max-output'?: string; help?: boolean; version?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        timeout: { type: 'string' },
        'max-output': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
    if (values.help === true) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    if (values.version === true) {
      process.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? 'no code given' : `expected one code argument, got ${positionals.length} (quote the code)`);
    }
  } catch (error) {
    process.stderr.write(`repl-sandbox: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  let timeout: number | undefined;
  let maxOutput: number | undefined;
  try {
    timeout = parseNumber('--timeout', values.timeout);
    maxOutput = parseNumber('--max-output', values['max-output']);
  } catch (error) {
    process.stderr.write(`repl-sandbox: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  // One run: boot exactly one isolate, no spares.
  const sandbox = createSandbox({ warm: 0, concurrency: 1 });
  try {
    const result = await sandbox.run(positionals[0] ?? '', {
      ...(timeout === undefined ? {} : { timeout }),
      ...(maxOutput === undefined ? {} : { maxOutput }),
      onOutput: (chunk) => process.stdout.write(chunk),
    });
    if (result.output !== '' && !result.output.endsWith('\n')) process.stdout.write('\n');
    return report(result);
  } finally {
    await sandbox.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`repl-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.usage;
  },
);
