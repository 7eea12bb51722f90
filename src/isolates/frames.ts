import { deserialize } from 'node:v8';

/**
 * Reads the `[u32 length][v8 payload]` frames a `'process'` harness writes
 * (see `harness/frames.ts`), calling `onMessage` for each complete one.
 */
export class FrameReader {
  readonly #onMessage: (message: unknown) => void;
  #buffered: Buffer = Buffer.alloc(0);

  constructor(onMessage: (message: unknown) => void) {
    this.#onMessage = onMessage;
  }

  push(chunk: Buffer): void {
    let data = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    while (data.length >= 4) {
      const length = data.readUInt32LE(0);
      if (data.length < 4 + length) break;
      const payload = data.subarray(4, 4 + length);
      data = data.subarray(4 + length);
      this.#onMessage(deserialize(payload));
    }
    // Copy the tail: a subarray would pin the whole chunk it came from.
    this.#buffered = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
  }
}
