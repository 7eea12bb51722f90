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
  #reportTotal: ((bytes: number) => void) | undefined;
  #max = 0;
  #sent = 0;
  #count = 0;
  #reportedAt = 0;

  /**
   * Starts capturing for one task.
   * @param send - posts one chunk to the host.
   * @param total - shared cell the host reads for the total printed, even after a kill.
   * @param maxBytes - the cap; `Infinity` sends everything.
   * @param reportTotal - for hosts without the shared cell: told the total now and then while output is dropped, and at the end.
   */
  begin(
    send: (text: string) => void,
    total: Float64Array | undefined,
    maxBytes: number,
    reportTotal?: (bytes: number) => void,
  ): void {
    this.#send = send;
    this.#total = total;
    this.#reportTotal = reportTotal;
    this.#max = maxBytes;
    this.#sent = 0;
    this.#count = 0;
  }

  /** Stops capturing: later writes are discarded. Reports the final total when output was dropped. */
  end(): void {
    if (this.#send !== undefined && this.#count > this.#sent) this.#reportTotal?.(this.#count);
    this.#send = undefined;
    this.#total = undefined;
    this.#reportTotal = undefined;
  }

  write(text: string): void {
    const send = this.#send;
    if (send === undefined || text.length === 0) return;
    const bytes = utf8Length(text);
    this.#count += bytes;
    if (this.#total !== undefined) this.#total[0] = this.#count;
    if (this.#sent >= this.#max) {
      this.#reportDropped();
      return;
    }
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
    this.#reportDropped();
  }

  /** At most every 50 ms, so a flood costs one message per 50 ms, not one per write. */
  #reportDropped(): void {
    if (this.#reportTotal === undefined) return;
    const now = Date.now();
    if (now - this.#reportedAt < 50) return;
    this.#reportedAt = now;
    this.#reportTotal(this.#count);
  }
}
