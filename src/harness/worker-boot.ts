/**
 * First script of a `'worker'` isolate. It compiles the harness bundle
 * (`worker.cjs`) as Node's CommonJS loader would — the same wrapper,
 * filename and `require`, and `import()` resolving from this file, which sits
 * next to the bundle — but with V8's code cache when the host has one, and
 * able to produce it (see `isolates/code-cache.ts`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Script } from 'node:vm';
import { workerData } from 'node:worker_threads';
import type { WorkerBootData } from '../protocol.js';

const { harnessFile, codeCache } = workerData as WorkerBootData;
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(harnessFile, 'utf8')}\n})`, {
  filename: harnessFile,
  ...(codeCache === undefined ? {} : { cachedData: codeCache }),
});
// worker-entry.ts reads these from its `module`. Functions compiled from a code
// cache find no callback for their own import() (Node 20 and 24): the bundle
// imports through this file's.
const harnessModule = {
  exports: {},
  produceCodeCache: (): Uint8Array => script.createCachedData(),
  load: (specifier: string): Promise<unknown> => import(specifier),
};
const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
wrapper(harnessModule.exports, createRequire(harnessFile), harnessModule, harnessFile, path.dirname(harnessFile));
