/**
 * Entry of a single-use worker isolate. Boots everything a task needs — the
 * vm context, the captured console, the stack cleaner, warm code paths — then
 * says `ready` and waits for exactly one task on its private port.
 */
import { inspect } from 'node:util';
import * as vm from 'node:vm';
import { workerData } from 'node:worker_threads';
import type { HarnessMessage, TaskMessage, WorkerBootData } from '../protocol.js';
import { captureProcessStreams, createCapturedConsole } from './console.js';
import { createDynamicImport, createSandboxContext } from './context.js';
import { runTask } from './evaluate.js';
import { OutputSink } from './output.js';
import { cleanStack } from './thrown.js';

const { port, outputTotal, cwd, harnessFile } = workerData as WorkerBootData;
// Bound now, so sandboxed code that patches MessagePort.prototype cannot intercept us.
const post = port.postMessage.bind(port) as (message: HarnessMessage) => void;
const sink = new OutputSink((text) => post({ type: 'output', text }), new Float64Array(outputTotal));
const ownMarkers = ['node:vm', harnessFile];
const clean = (stack: string, userFiles: readonly string[]): string => cleanStack(stack, userFiles, ownMarkers);
const sandboxConsole = createCapturedConsole(sink, (stack) => clean(stack, ['<sandbox>']));
captureProcessStreams(sink);
const context = createSandboxContext({ console: sandboxConsole, cwd });
const importModule = createDynamicImport(cwd);

// A fresh isolate runs everything cold; exercising the hot path once here,
// while the spare waits, takes that cost off the caller's clock.
new vm.Script('void 0', { filename: '<warmup>' }).runInContext(context);
inspect({ warm: [1, 'up', new Date(0)] });
clean(new Error('warmup').stack ?? '', ['<warmup>']);

port.once('message', (task: TaskMessage) => {
  void runTask(task, { context, sink, send: post, importModule, cleanStack: clean });
});
post({ type: 'ready' });
