import { writeSync } from 'node:fs';
import { serialize } from 'node:v8';

/**
 * Writes messages to a pipe as `[u32 length][v8 payload]` frames, with
 * blocking writes: a message is in the pipe before the code's next statement
 * runs, so output printed right before a synchronous infinite loop is not
 * stuck in an event-loop queue that will never run. A slow reader slows the
 * writer down instead of growing memory. `serialize` throws a DataCloneError
 * for an uncloneable message, before anything is written.
 */
export function createFrameWriter(fd: number): (message: unknown) => void {
  return (message) => {
    const payload = serialize(message);
    const frame = Buffer.allocUnsafe(4 + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    payload.copy(frame, 4);
    writeFully(fd, frame);
  };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait a moment for the host to read.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
