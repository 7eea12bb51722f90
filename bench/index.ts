/**
 * `npm run bench -- [--json] [--quick] [--duration <s>] [--out <dir>] [word ...]`: the benchmark suite.
 * Run without tsx's loader in execArgv (see relaunch.ts).
 */
import { runWithoutLoaders } from './relaunch.js';

process.exitCode = await runWithoutLoaders('./index.ts', async (argv) => {
  const { main } = await import('./main.js');
  return main(argv);
});
