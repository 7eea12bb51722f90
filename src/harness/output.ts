import { truncateUtf8, utf8Length } from '../utf8.js';

/**
 * The harness's side of output capture. Sends what the code prints to the
 * host as it is printed (so nothing is lost if the isolate is killed), stops
 * sending at the byte cap and from then on only counts: a flood can never
 * fill the host's port queue.
 */
export class OutputSink {
  /** When false (during setup), writes are discarded and not counted. */
  capturing = false;
  readonly #send: (text: string) => void;
  readonly #total: Float64Array;
  #max = Infinity;
  #sent = 0;

  /**
   * @param send - posts one chunk to the host.
   * @param total - shared cell the host reads for the total printed, even after a kill.
   */
  constructor(send: (text: string) => void, total: Float64Array) {
    this.#send = send;
    this.#total = total;
  }

  /** Sets the cap for the one task this isolate runs. */
  setMax(maxBytes: number): void {
    this.#max = maxBytes;
  }

  write(text: string): void {
    if (!this.capturing || text.length === 0) return;
    const bytes = utf8Length(text);
    this.#total[0] = (this.#total[0] ?? 0) + bytes;
    if (this.#sent >= this.#max) return;
    if (this.#sent + bytes <= this.#max) {
      this.#sent += bytes;
      this.#send(text);
      return;
    }
    // The cap falls inside this chunk: keep its head, cut on a character boundary,
    // and send nothing more, so the host holds one contiguous prefix.
    const head = truncateUtf8(text, this.#max - this.#sent);
    this.#sent = this.#max;
    if (head.length > 0) this.#send(head);
  }
}
