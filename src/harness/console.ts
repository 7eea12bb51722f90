import { Console } from 'node:console';
import { format } from 'node:util';
import type { OutputSink } from './output.js';

type Chunk = string | Uint8Array;
type WriteCallback = (error?: Error | null) => void;

function chunkToText(chunk: Chunk, encoding?: unknown): string {
  if (typeof chunk === 'string') return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString(
    typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8',
  );
}

/**
 * A `console` for the sandbox whose every method writes, formatted exactly as
 * Node formats it, into the sink. `trace` is re-implemented only to drop the
 * harness's frames from the printed stack.
 */
export function createCapturedConsole(
  sink: OutputSink,
  /** Trims the stack `holder` got, unless that was done as it was made. */
  cleanStack: (stack: string, holder: object) => string,
): Console {
  const stream = {
    write(chunk: Chunk): boolean {
      sink.write(chunkToText(chunk));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const captured = new Console({ stdout: stream, stderr: stream, ignoreErrors: false, colorMode: false });
  captured.trace = function trace(...args: unknown[]): void {
    const err = { name: 'Trace', message: format(...args), stack: '' };
    Error.captureStackTrace(err, trace);
    captured.error(cleanStack(err.stack, err));
  };
  return captured;
}

/**
 * Routes `process.stdout.write` / `process.stderr.write` of this isolate into
 * the sink. The isolate is single-use, so patching its own process is safe.
 */
export function captureProcessStreams(sink: OutputSink): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = function write(chunk: Chunk, encoding?: unknown, callback?: unknown): boolean {
      sink.write(chunkToText(chunk, encoding));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as WriteCallback)(null));
      return true;
    };
  }
}
