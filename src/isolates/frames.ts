import { deserialize, serialize } from 'node:v8';
import { KEY_BYTES } from '../protocol.js';

/** A frame larger than this is not a report of ours: the stream is corrupt. */
const MAX_FRAME_BYTES = 1024 * 1024 * 1024;
const HEADER_BYTES = 4 + KEY_BYTES;

/** What a {@link FrameReader} tells its owner. */
export interface FrameEvents {
  /** A complete frame, read back. */
  message(message: unknown): void;
  /** A complete frame with the right key whose payload V8 could not read back (too deep for this stack…). */
  unreadable(error: Error): void;
  /** The stream is not (or no longer) the harness's: a wrong key or an impossible length. Called once. */
  corrupt(error: Error): void;
}

/**
 * Reads the `[u32 length][16-byte key][v8 payload]` frames a `'process'`
 * harness writes (see `harness/frames.ts`). The key is checked as soon as a
 * header is in, so a frame the code wrote to the pipe itself is rejected
 * before its payload is buffered. Chunks are kept as a list and joined only
 * when a frame spans several, so a 50 MB result costs one copy, not one per
 * 64 KB pipe chunk. Nothing here ever throws in the host.
 */
export class FrameReader {
  readonly #events: FrameEvents;
  #key: Buffer = Buffer.alloc(KEY_BYTES);
  /** Unread bytes: `#chunks[0]` from `#offset` on, then the other chunks whole. */
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  #checked = false;
  #corrupt = false;

  constructor(events: FrameEvents) {
    this.#events = events;
  }

  /** From now on every frame must carry `key` (hex), the running task's. */
  expect(key: string): void {
    this.#key = Buffer.from(key, 'hex');
  }

  push(chunk: Buffer): void {
    if (this.#corrupt) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    try {
      this.#drain();
    } catch (error) {
      this.#corrupt = true;
      this.#chunks = [];
      this.#buffered = 0;
      this.#events.corrupt(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #drain(): void {
    while (this.#buffered >= HEADER_BYTES) {
      const header = this.#peek(HEADER_BYTES);
      const length = header.readUInt32LE(0);
      if (!this.#checked) {
        if (!header.subarray(4, HEADER_BYTES).equals(this.#key)) throw new Error('a frame that the harness did not write');
        if (length > MAX_FRAME_BYTES) throw new Error(`a report frame claims ${length} bytes`);
        this.#checked = true;
      }
      if (this.#buffered < HEADER_BYTES + length) return;
      const frame = this.#take(HEADER_BYTES + length);
      this.#checked = false;
      let message: unknown;
      try {
        message = deserialize(frame.subarray(HEADER_BYTES));
      } catch (error) {
        this.#events.unreadable(error as Error);
        continue;
      }
      this.#events.message(message);
    }
  }

  /** The next `bytes` unread bytes, without consuming them. */
  #peek(bytes: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= bytes) return first.subarray(this.#offset, this.#offset + bytes);
    this.#chunks = [Buffer.concat([first.subarray(this.#offset), ...this.#chunks.slice(1)])];
    this.#offset = 0;
    return (this.#chunks[0] as Buffer).subarray(0, bytes);
  }

  /**
   * Consumes the next `bytes` bytes. Within one chunk this is a view, not a
   * copy: a pipe chunk of 64 KB holding a thousand small frames is read in
   * one pass (copying the tail after each frame made that quadratic).
   */
  #take(bytes: number): Buffer {
    let frame: Buffer;
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= bytes) {
      frame = first.subarray(this.#offset, this.#offset + bytes);
      this.#offset += bytes;
    } else {
      const joined = Buffer.concat([first.subarray(this.#offset), ...this.#chunks.slice(1)]);
      frame = joined.subarray(0, bytes);
      this.#chunks = [joined];
      this.#offset = bytes;
    }
    if (this.#offset === (this.#chunks[0] as Buffer).length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
    this.#buffered -= bytes;
    return frame;
  }
}

/** One `[u32 length][v8 payload]` frame of a message for a `'process'` harness's stdin. */
export function encodeFrame(message: unknown): Buffer {
  const payload = serialize(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32LE(payload.length, 0);
  return Buffer.concat([header, payload]);
}
