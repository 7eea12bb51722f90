import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { KEY_BYTES } from '../protocol.js';

// Captured at boot: the code shares this process's modules and could replace
// them before it returns, and the report must still go out.
const writeSync = fs.writeSync;
const serialize = v8.serialize;
const deserialize = v8.deserialize;
const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
const bufferMethods = Buffer.prototype as unknown as Record<'writeUInt32LE' | 'copy', (...args: unknown[]) => unknown>;
const writeUInt32LE = Function.prototype.call.bind(bufferMethods.writeUInt32LE) as (buffer: Buffer, value: number, offset: number) => number;
const copy = Function.prototype.call.bind(bufferMethods.copy) as (source: Buffer, target: Buffer, targetStart: number) => number;
const wait = Atomics.wait;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes messages to a pipe as `[u32 length][16-byte run key][v8 payload]`
 * frames, with blocking writes: a message is in the pipe before the code's
 * next statement runs, so output printed right before a synchronous infinite
 * loop is not stuck in an event-loop queue that will never run. A slow reader
 * slows the writer down instead of growing memory. The key in the header lets
 * the host reject a frame the code wrote to the pipe itself before reading
 * its payload. `serialize` throws a DataCloneError for an uncloneable
 * message, before anything is written.
 */
export function createFrameWriter(fd: number): (message: unknown, key: Uint8Array) => void {
  return (message, key) => {
    const payload = serialize(message);
    const frame = allocUnsafe(4 + KEY_BYTES + payload.length);
    writeUInt32LE(frame, payload.length, 0);
    copy(key as Buffer, frame, 4);
    copy(payload, frame, 4 + KEY_BYTES);
    writeFully(fd, frame);
  };
}

/**
 * Splits the host's `[u32 length][v8 payload]` frames out of a byte stream
 * (the task, then resend requests). Only the host writes to this pipe.
 */
export function createFrameSplitter(onMessage: (message: unknown) => void): (chunk: Buffer) => void {
  let pending: Buffer = allocUnsafe(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32LE(0);
      if (pending.length < 4 + length) return;
      const message: unknown = deserialize(pending.subarray(4, 4 + length));
      pending = pending.subarray(4 + length);
      onMessage(message);
    }
  };
}

function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait a moment for the host to read.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      wait(pause, 0, 0, 1);
    }
  }
}
