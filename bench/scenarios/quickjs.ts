import { getQuickJS } from 'quickjs-emscripten';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { EngineDefinition } from './types.js';

/** quickjs-emscripten: a fresh runtime and context per call, console.log bridged to the host. */
export const quickjs: EngineDefinition = {
  name: 'quickjs',
  aliases: ['wasm'],
  description: 'quickjs-emscripten: getQuickJS() once; per call newRuntime + newContext + console.log bridge + evalCode + dispose',
  isolated: true,
  async create() {
    const QuickJS = await getQuickJS();
    return {
      call() {
        const runtime = QuickJS.newRuntime();
        const vm = runtime.newContext();
        let output = '';
        let result: unknown;
        try {
          const log = vm.newFunction('log', (...args) => {
            output += `${args.map((arg) => String(vm.dump(arg))).join(' ')}\n`;
          });
          const console = vm.newObject();
          vm.setProp(console, 'log', log);
          vm.setProp(vm.global, 'console', console);
          log.dispose();
          console.dispose();
          const evaluated = vm.evalCode(TRIVIAL_SNIPPET);
          const handle = vm.unwrapResult(evaluated);
          result = vm.dump(handle);
          handle.dispose();
        } finally {
          vm.dispose();
          runtime.dispose();
        }
        checkTrivial('quickjs', output, result);
        return Promise.resolve(undefined);
      },
      close: () => Promise.resolve(),
    };
  },
};
