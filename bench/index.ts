/**
 * `npm run bench -- [--json] [--quick] [--duration <s>] [--out <dir>] [word ...]`: the benchmark suite.
 *
 * `tsx bench/index.ts` puts tsx's loader into execArgv, which every Worker
 * inherits and boots again (~4× a bare worker's start-up on the dev machine).
 * So, when started with a loader in execArgv, this entry relaunches itself as
 * `node bench/launch.mjs …` (tsx registered at run time, execArgv clean) with
 * the same arguments and stdio, and exits with the child's code.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const RELAUNCHED = 'REPL_SANDBOX_BENCH_RELAUNCHED';
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

async function relaunch(execArgv: readonly string[]): Promise<number> {
  const launcher = fileURLToPath(new URL('./launch.mjs', import.meta.url));
  const child = spawn(process.execPath, [...execArgv, launcher, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [RELAUNCHED]: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}

const clean = process.env[RELAUNCHED] === undefined ? withoutLoaders(process.execArgv) : null;
if (clean !== null) {
  process.exitCode = await relaunch(clean);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2));
  // Every sandbox is closed and every worker terminated by now, so the process
  // should exit on its own. If something still holds it, say what instead of hanging.
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running 10 s after finishing; active resources: ${process.getActiveResourcesInfo().join(', ')}\n`);
    process.exit(1);
  }, 10_000);
  watchdog.unref();
}
