import { format } from 'node:util';
import { runInNewContext } from 'node:vm';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { EngineDefinition } from './types.js';

/** vm.runInNewContext in the host: a fresh context, no isolation. For scale only. */
export const vmInProcess: EngineDefinition = {
  name: 'vm-in-process',
  aliases: ['vm'],
  description: 'vm.runInNewContext(snippet, { console }) in the host process (not isolated; for scale)',
  isolated: false,
  create() {
    return Promise.resolve({
      call() {
        let output = '';
        const console = { log: (...args: unknown[]) => void (output += `${format(...args)}\n`) };
        const result: unknown = runInNewContext(TRIVIAL_SNIPPET, { console });
        checkTrivial('vm-in-process', output, result);
        return Promise.resolve(undefined);
      },
      close: () => Promise.resolve(),
    });
  },
};
