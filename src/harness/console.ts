import { Console } from 'node:console';
import { format } from 'node:util';
import type { OutputSink } from './output.js';

type Chunk = string | Uint8Array;
type WriteCallback = (error?: Error | null) => void;

/**
 * What a write puts out, as Node's streams do: a string is encoded with the
 * given encoding (`write('6869', 'hex')` writes "hi"), a Buffer is written as
 * it is whatever the encoding says. The sink keeps text, read as UTF-8.
 */
function chunkToText(chunk: Chunk, encoding?: unknown): string {
  if (typeof chunk === 'string') {
    if (typeof encoding !== 'string' || !Buffer.isEncoding(encoding)) return chunk;
    const normalized = encoding.toLowerCase();
    if (normalized === 'utf8' || normalized === 'utf-8') return chunk;
    return Buffer.from(chunk, encoding).toString('utf8');
  }
  if (!ArrayBuffer.isView(chunk)) return String(chunk);
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
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
 * the sink; returns how to put these routes back if the code replaced them.
 */
export function captureProcessStreams(sink: OutputSink): () => void {
  const writers = [process.stdout, process.stderr].map((stream) => {
    const write = function write(chunk: Chunk, encoding?: unknown, callback?: unknown): boolean {
      sink.write(chunkToText(chunk, encoding));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as WriteCallback)(null));
      return true;
    };
    stream.write = write;
    return [stream, write] as const;
  });
  return () => {
    for (const [stream, write] of writers) if (stream.write !== write) stream.write = write;
  };
}
