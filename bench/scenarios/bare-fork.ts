import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backgroundTeardowns } from '../measure.js';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { EngineDefinition } from './types.js';

const ENTRY = fileURLToPath(new URL('../baseline-fork.cjs', import.meta.url));

interface BaselineMessage {
  readonly output: string;
  readonly result: unknown;
}

/** The child's one message; rejects if it ends (or cannot start) before sending it. */
function firstMessage(child: ChildProcess): Promise<BaselineMessage> {
  return new Promise<BaselineMessage>((resolve, reject) => {
    child.once('message', (message) => resolve(message as BaselineMessage));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`bare-fork: the child ended (${signal ?? `exit code ${code}`}) before its message`)));
  });
}

/**
 * The process baseline, as simple as it gets: child_process.fork() per call of
 * bench/baseline-fork.cjs, which builds a vm context and evaluates the
 * snippet; the host awaits its one IPC message, then kills it. As with
 * bare-worker, the call ends at the message and the child's exit completes in
 * the background (close() awaits the stragglers). No execArgv: the host's is
 * not what a plain fork of a small script would carry.
 */
export const bareFork: EngineDefinition = {
  name: 'bare-fork',
  aliases: ['fork'],
  description: 'child_process.fork(bench/baseline-fork.cjs) per call: vm context, eval, process.send; host kills it',
  isolated: true,
  create() {
    const exiting = backgroundTeardowns();
    const kill = (child: ChildProcess): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      exiting.add(new Promise<void>((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGKILL');
    };
    return Promise.resolve({
      async call() {
        // stdout ignored: `--json` owns the host's stdout.
        const child = fork(ENTRY, [TRIVIAL_SNIPPET], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        let message: BaselineMessage;
        try {
          message = await firstMessage(child);
        } finally {
          kill(child);
        }
        checkTrivial('bare-fork', message.output, message.result);
        return undefined;
      },
      async close() {
        await exiting.settled();
      },
    });
  },
};
