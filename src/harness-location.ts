import { fileURLToPath } from 'node:url';

/**
 * The only module that knows where the built isolate entries live: next to
 * this file in `dist/`, bundled by `scripts/build-harness.js`. Tests and
 * benchmarks import the built package, so this holds for them too.
 */
export const WORKER_HARNESS_FILE = fileURLToPath(new URL('./harness/worker.cjs', import.meta.url));

/** The entry piscina loads in each `'context'` pool worker. */
export const CONTEXT_HARNESS_FILE = fileURLToPath(new URL('./harness/context.cjs', import.meta.url));

/** The script each `'process'` isolate runs. */
export const PROCESS_HARNESS_FILE = fileURLToPath(new URL('./harness/process.cjs', import.meta.url));
