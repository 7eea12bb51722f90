/**
 * Benchmarks must run without a module loader in execArgv: Workers inherit
 * the host's execArgv, and tsx's `--import` there is booted again inside
 * every Worker (~4× a bare worker's start-up on the dev machine). An entry
 * started that way relaunches itself as `node bench/launch.mjs …` (tsx
 * registered at run time, execArgv clean) with the same arguments and stdio.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const RELAUNCHED = 'REPL_SANDBOX_BENCH_RELAUNCHED';
/** Which entry launch.mjs imports after a relaunch. */
const ENTRY = 'REPL_SANDBOX_BENCH_ENTRY';
/** Flags that load code into every new thread, with their separate-value forms. */
const LOADER_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** execArgv without module loaders; null when there were none. */
function withoutLoaders(execArgv: readonly string[]): string[] | null {
  const kept: string[] = [];
  let removed = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (LOADER_FLAGS.has(flag)) {
      removed = true;
      if (!arg.includes('=')) i++;
    } else {
      kept.push(arg);
    }
  }
  return removed ? kept : null;
}

async function relaunch(execArgv: readonly string[], entry: string): Promise<number> {
  const launcher = fileURLToPath(new URL('./launch.mjs', import.meta.url));
  const child = spawn(process.execPath, [...execArgv, launcher, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [RELAUNCHED]: '1', [ENTRY]: entry },
  });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}

/**
 * Runs `main` with this process's arguments, or, when a loader is in
 * execArgv, relaunches the entry `entry` (a file in bench/) without it.
 * Resolves with the exit code.
 */
export async function runWithoutLoaders(entry: string, main: (argv: readonly string[]) => Promise<number>): Promise<number> {
  const clean = process.env[RELAUNCHED] === undefined ? withoutLoaders(process.execArgv) : null;
  if (clean !== null) return relaunch(clean, entry);
  const code = await main(process.argv.slice(2));
  // Every sandbox is closed and every worker terminated by now, so the process
  // should exit on its own. If something still holds it, say what instead of hanging.
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running 10 s after finishing; active resources: ${process.getActiveResourcesInfo().join(', ')}\n`);
    process.exit(1);
  }, 10_000);
  watchdog.unref();
  return code;
}
