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
      'repl-sandbox': fileURLToPath(new URL('./dist/index.js', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests spawn real isolates; a loaded 2-core CI machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Much of a test's time is spent waiting on isolates and child processes:
    // three files at once even on 2 cores (vitest's default there is one).
    // Measured on the 2-core dev machine, whole suite on Node 20: 1 file at a
    // time ~360 s, 2 at a time 242 s, 3 at a time 216 s, all green.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
