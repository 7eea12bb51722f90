import { truncateUtf8, utf8Length } from '../utf8.js';

/**
 * The harness's side of output capture. Sends what the code prints to the
 * host as it is printed (so nothing is lost if the isolate is killed), stops
 * sending at the byte cap and from then on only counts: a flood can never
 * fill the host's port queue. Between tasks (and during setup) it discards.
 */
export class OutputSink {
  #send: ((text: string) => void) | undefined;
  #total: Float64Array | undefined;
  #max = 0;
  #sent = 0;

  /**
   * Starts capturing for one task.
   * @param send - posts one chunk to the host.
   * @param total - shared cell the host reads for the total printed, even after a kill.
   * @param maxBytes - the cap; `Infinity` sends everything.
   */
  begin(send: (text: string) => void, total: Float64Array | undefined, maxBytes: number): void {
    this.#send = send;
    this.#total = total;
    this.#max = maxBytes;
    this.#sent = 0;
  }

  /** Stops capturing: later writes are discarded. */
  end(): void {
    this.#send = undefined;
    this.#total = undefined;
  }

  write(text: string): void {
    const send = this.#send;
    if (send === undefined || text.length === 0) return;
    const bytes = utf8Length(text);
    if (this.#total !== undefined) this.#total[0] = (this.#total[0] ?? 0) + bytes;
    if (this.#sent >= this.#max) return;
    if (this.#sent + bytes <= this.#max) {
      this.#sent += bytes;
      send(text);
      return;
    }
    // The cap falls inside this chunk: keep its head, cut on a character boundary,
    // and send nothing more, so the host holds one contiguous prefix.
    const head = truncateUtf8(text, this.#max - this.#sent);
    this.#sent = this.#max;
    if (head.length > 0) send(head);
  }
}
