import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { backgroundTeardowns } from '../measure.js';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { EngineDefinition } from './types.js';

const ENTRY = new URL('../baseline-worker.cjs', import.meta.url);

interface BaselineMessage {
  readonly output: string;
  readonly result: unknown;
}

/**
 * The baseline, as simple as it gets: a new Worker per call whose entry builds
 * a vm context and evaluates the snippet; the host awaits its one message,
 * then terminate()s it. Like repl-sandbox, which resolves a run before it
 * tears the isolate down, the call ends at the message and terminate()
 * completes in the background (close() awaits the stragglers).
 */
export const bareWorker: EngineDefinition = {
  name: 'bare-worker',
  aliases: ['baseline'],
  description: 'new Worker(bench/baseline-worker.cjs) per call: vm context, eval, postMessage; host terminate()s it',
  isolated: true,
  create() {
    const terminating = backgroundTeardowns();
    const terminate = (worker: Worker): void => terminating.add(worker.terminate());
    return Promise.resolve({
      async call() {
        const worker = new Worker(ENTRY, { workerData: { code: TRIVIAL_SNIPPET } });
        let message: BaselineMessage;
        try {
          [message] = (await once(worker, 'message')) as [BaselineMessage];
        } finally {
          terminate(worker);
        }
        checkTrivial('bare-worker', message.output, message.result);
        return undefined;
      },
      async close() {
        await terminating.settled();
      },
    });
  },
};
