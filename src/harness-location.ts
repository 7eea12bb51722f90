import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_BOOT_NAME } from './protocol.js';

/**
 * The only module that knows where the built isolate entries live: next to
 * this file in `dist/`, bundled by `scripts/build-harness.js`. Tests and
 * benchmarks import the built package, so this holds for them too.
 */
export const WORKER_HARNESS_FILE = fileURLToPath(new URL('./harness/worker.cjs', import.meta.url));

/** What a `'worker'` isolate starts with: it compiles {@link WORKER_HARNESS_FILE} with V8's code cache. */
export const WORKER_BOOT_FILE = path.join(path.dirname(WORKER_HARNESS_FILE), WORKER_BOOT_NAME);

/** The entry piscina loads in each `'context'` pool worker. */
export const CONTEXT_HARNESS_FILE = fileURLToPath(new URL('./harness/context.cjs', import.meta.url));

/** The script each `'process'` isolate runs. */
export const PROCESS_HARNESS_FILE = fileURLToPath(new URL('./harness/process.cjs', import.meta.url));

/** The built package (`dist/`): the host's code and the harness bundles. */
export const DIST_DIRECTORY = path.dirname(path.dirname(PROCESS_HARNESS_FILE));

let harnessDirectories: readonly string[] | undefined;

/**
 * What a child-process harness reads: its bundle's directory and the package
 * it loads for the code's first `import()` (`import-meta-resolve`, left out
 * of the bundle). The permission model must allow them; `'confined'` mounts them.
 */
export function harnessPaths(): readonly string[] {
  harnessDirectories ??= [path.dirname(PROCESS_HARNESS_FILE), path.dirname(createRequire(PROCESS_HARNESS_FILE).resolve('import-meta-resolve'))];
  return harnessDirectories;
}
