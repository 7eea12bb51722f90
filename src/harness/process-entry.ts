/**
 * Entry of a single-use `'process'` isolate: a child process running the same
 * harness as a worker. The task arrives on the IPC channel; everything the
 * harness reports goes out as frames on fd 3, written synchronously (see
 * frames.ts), so nothing printed before a hang or a kill is lost.
 */
import type { HarnessMessage, ProcessBootData, TaskMessage } from '../protocol.js';
import { TaskRun } from './evaluate.js';
import { createFrameWriter } from './frames.js';
import { createRuntime } from './runtime.js';

/** The pipe the host reads reports from (stdio index 3). */
const REPORT_FD = 3;

const { cwd, harnessFile } = JSON.parse(process.argv[2] ?? '{}') as ProcessBootData;
const send = createFrameWriter(REPORT_FD) as (message: HarnessMessage) => void;
// The host is gone: nobody will read a result, and nobody else would end us.
process.on('disconnect', () => process.exit(0));

const runtime = createRuntime({ cwd, harnessFile, trackTimers: false, guardProcessKill: false });
const sandbox = runtime.newContext();
const { context } = sandbox;

process.once('message', (task: TaskMessage) => {
  // A value that never settles leaves nothing to keep us alive: wait for the host's kill.
  setInterval(() => {}, 2 ** 31 - 1);
  const run = new TaskRun(task, {
    context,
    sink: runtime.sink,
    send,
    outputTotal: undefined,
    reportOutputTotal: true,
    importModule: runtime.importModule,
    cleanStack: runtime.cleanStack,
  });
  runtime.setActive(run);
  void run.run();
});
void runtime.warmUp(sandbox).then(() => send({ type: 'ready' }));
