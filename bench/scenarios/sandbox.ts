import type { Sandbox, SandboxOptions } from 'repl-sandbox';
import { checkTrivial, TRIVIAL_SNIPPET } from '../snippet.js';
import type { Engine, EngineDefinition, ScenarioContext } from './types.js';

/** A repl-sandbox engine with these options; `warmup` says whether to await warm spares before each series. */
function sandboxEngine(context: ScenarioContext, options: SandboxOptions, warmup: boolean): Engine {
  const sandbox: Sandbox = context.library.createSandbox(options);
  return {
    async call() {
      const result = await sandbox.run(TRIVIAL_SNIPPET);
      if (!result.ok) throw new Error(`repl-sandbox run failed: ${JSON.stringify(result.error)}`);
      checkTrivial('repl-sandbox', result.output, result.result);
      const { bootMs, setupMs = 0, evalMs = 0, serializeMs = 0 } = result.timings;
      return { waitedForBoot: bootMs !== undefined, insideMs: setupMs + evalMs + serializeMs };
    },
    ready: warmup ? () => sandbox.warmup() : undefined,
    describe: () => ({ options, statsAtEnd: sandbox.stats }),
    close: () => sandbox.close(),
  };
}

export const sandboxCold: EngineDefinition = {
  name: 'sandbox-cold',
  aliases: ['worker-cold'],
  description: "repl-sandbox, isolation 'worker', warm: 0 (boots on demand), other options default",
  isolated: true,
  create: (context) => Promise.resolve(sandboxEngine(context, { warm: 0 }, false)),
};

export const sandboxWarm: EngineDefinition = {
  name: 'sandbox-warm',
  aliases: ['worker-warm'],
  description: "repl-sandbox, isolation 'worker', default options (warm spares = concurrency = availableParallelism); warmup() before each series",
  isolated: true,
  create: (context) => Promise.resolve(sandboxEngine(context, {}, true)),
};

export const contextWarm: EngineDefinition = {
  name: 'context-warm',
  aliases: ['context'],
  description: "repl-sandbox, isolation 'context' (piscina workers, a fresh vm context per call), default options; warmup() before each series",
  isolated: true,
  create: (context) => Promise.resolve(sandboxEngine(context, { isolation: 'context' }, true)),
};

export const processWarm: EngineDefinition = {
  name: 'process-warm',
  aliases: ['process'],
  description: "repl-sandbox, isolation 'process' (a child process per call), default options; warmup() before each series",
  isolated: true,
  create: (context) => Promise.resolve(sandboxEngine(context, { isolation: 'process' }, true)),
};

export const confinedWarm: EngineDefinition = {
  name: 'confined-warm',
  aliases: ['confined'],
  description: "repl-sandbox, isolation 'confined' (a child process per call under bubblewrap: own namespaces, no network), default options; warmup() before each series",
  isolated: true,
  create: (context) => Promise.resolve(sandboxEngine(context, { isolation: 'confined' }, true)),
};
