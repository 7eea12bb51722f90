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
 * before its payload is buffered. Chunks are kept as a list and joined once
 * per frame, so a 50 MB result costs one copy, not one per 64 KB pipe chunk.
 * Nothing here ever throws in the host.
 */
export class FrameReader {
  readonly #events: FrameEvents;
  #key: Buffer = Buffer.alloc(KEY_BYTES);
  #chunks: Buffer[] = [];
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
      if (this.#chunks.length > 1 && (this.#chunks[0] as Buffer).length < HEADER_BYTES) this.#join();
      const head = this.#chunks[0] as Buffer;
      const length = head.readUInt32LE(0);
      if (!this.#checked) {
        if (!head.subarray(4, HEADER_BYTES).equals(this.#key)) throw new Error('a frame that the harness did not write');
        if (length > MAX_FRAME_BYTES) throw new Error(`a report frame claims ${length} bytes`);
        this.#checked = true;
      }
      if (this.#buffered < HEADER_BYTES + length) return;
      const data = this.#join();
      const payload = data.subarray(HEADER_BYTES, HEADER_BYTES + length);
      const rest = data.subarray(HEADER_BYTES + length);
      // Copy the tail: a subarray would pin the whole buffer it came from.
      this.#chunks = rest.length === 0 ? [] : [Buffer.from(rest)];
      this.#buffered = rest.length;
      this.#checked = false;
      let message: unknown;
      try {
        message = deserialize(payload);
      } catch (error) {
        this.#events.unreadable(error as Error);
        continue;
      }
      this.#events.message(message);
    }
  }

  #join(): Buffer {
    const data = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [data];
    return data;
  }
}

/** One `[u32 length][v8 payload]` frame of a message for a `'process'` harness's stdin. */
export function encodeFrame(message: unknown): Buffer {
  const payload = serialize(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32LE(payload.length, 0);
  return Buffer.concat([header, payload]);
}
