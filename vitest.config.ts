import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests exercise the built package (the worker harness exists only in dist/);
    // the typechecker maps the same name to src/ (tsconfig "paths").
    // (The subpath first: an alias also matches names that start with `<alias>/`.)
    alias: {
      'repl-sandbox/ai': fileURLToPath(new URL('./dist/ai.js', import.meta.url)),
      'repl-sandbox/queue': fileURLToPath(new URL('./dist/queue/index.js', import.meta.url)),
      'repl-sandbox': fileURLToPath(new URL('./dist/index.js', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Looks for redis-server once (test/queue/global-setup.ts).
    globalSetup: ['test/queue/global-setup.ts'],
    // Tests spawn real isolates; a loaded 2-core CI machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Much of a test's time is spent waiting on isolates and child processes:
    // two files at once even on 2 cores (vitest's default there is one).
    // Fresh-clone CI on the 2-core dev machine: one file at a time 361 s on
    // Node 20 and 428 s on Node 24; two: 242 and 292 s; three: 254 and 353 s
    // (the machine is CPU-bound by then).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
