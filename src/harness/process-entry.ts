/**
 * Entry of a single-use `'process'` isolate: a child process running the same
 * harness as a worker. Only pipes connect it to the host — no Node IPC
 * channel, whose internal messages (`NODE_HANDLE_ACK`…) the code could send
 * to make Node's own code assert in the host. The task (and any resend
 * request) arrives as frames on stdin; everything the harness reports goes out
 * as frames on fd 3, written synchronously (see frames.ts) and stamped with
 * the run's key, so nothing printed before a hang or a kill is lost and
 * nothing the code writes there passes for a report.
 */
import type { ProcessBootData } from '../protocol.js';
import { KEY_BYTES } from '../protocol.js';
import { createFrameSplitter, createFrameWriter } from './frames.js';
import { createRuntime } from './runtime.js';

/** The pipe the host reads reports from (stdio index 3). */
const REPORT_FD = 3;

const { cwd, harnessFile } = JSON.parse(process.argv[2] ?? '{}') as ProcessBootData;
const write = createFrameWriter(REPORT_FD);
const bootKey = new Uint8Array(KEY_BYTES);

const runtime = createRuntime({ cwd, harnessFile, trackTimers: false, guardProcessKill: false, keepAlive: true });
const sandbox = runtime.newContext();
const { context } = sandbox;

const input = process.stdin;
// Captured now: the code may replace process.exit before the host goes away.
const exit = process.exit.bind(process);
// The host is gone: nobody will read a result, and nobody else would end us.
input.once('end', () => exit(0));
input.once('error', () => exit(0));
input.on(
  'data',
  createFrameSplitter(
    runtime.serveOne((task) => {
      const key = Buffer.from(task.key, 'hex');
      return {
        context,
        // The key goes in the frame header only, never into the report.
        send: (report) => write(report, key),
        outputTotal: undefined,
        reportOutputTotal: true,
      };
    }) as (message: unknown) => void,
  ),
);
void runtime.warmUp(sandbox).then(() => write({ type: 'ready' }, bootKey));
