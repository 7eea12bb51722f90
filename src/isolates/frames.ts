import { deserialize } from 'node:v8';

/** A frame larger than this is not a report of ours: the stream is corrupt. */
const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

/**
 * Reads the `[u32 length][v8 payload]` frames a `'process'` harness writes
 * (see `harness/frames.ts`), calling `onMessage` for each complete one.
 * Chunks are kept as a list and joined once per frame, so a 50 MB result
 * costs one copy, not one per 64 KB pipe chunk. Anything that does not parse
 * (the code can write to fd 3 itself) goes to `onCorrupt`, once, never as a
 * throw in the host.
 */
export class FrameReader {
  readonly #onMessage: (message: unknown) => void;
  readonly #onCorrupt: (error: Error) => void;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #corrupt = false;

  constructor(onMessage: (message: unknown) => void, onCorrupt: (error: Error) => void) {
    this.#onMessage = onMessage;
    this.#onCorrupt = onCorrupt;
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
      this.#onCorrupt(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #drain(): void {
    while (this.#buffered >= 4) {
      const length = this.#peekLength();
      if (length > MAX_FRAME_BYTES) throw new Error(`a report frame claims ${length} bytes`);
      if (this.#buffered < 4 + length) return;
      const data = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered);
      const message: unknown = deserialize(data.subarray(4, 4 + length));
      const rest = data.subarray(4 + length);
      // Copy the tail: a subarray would pin the whole buffer it came from.
      this.#chunks = rest.length === 0 ? [] : [Buffer.from(rest)];
      this.#buffered = rest.length;
      this.#onMessage(message);
    }
  }

  #peekLength(): number {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= 4) return first.readUInt32LE(0);
    return Buffer.concat(this.#chunks, this.#buffered).readUInt32LE(0);
  }
}
