import { truncateUtf8, utf8Length } from './utf8.js';

/**
 * Bytes as the truncation note prints them: `<1024` → `NB`, `<1 MiB` → one-decimal
 * `KB`, else one-decimal `MB`.
 *
 * @example formatBytes(50_000) // '48.8KB'
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${(Math.round((bytes / 1024) * 10) / 10).toFixed(1)}KB`;
  return `${(Math.round((bytes / (1024 * 1024)) * 10) / 10).toFixed(1)}MB`;
}

/** The note appended to truncated output (its format is documented in the README). */
export function truncationNote(maxBytes: number, totalBytes: number): string {
  return `\n...(truncated, showing first ${formatBytes(maxBytes)} of ${formatBytes(totalBytes)})`;
}

/**
 * The host's copy of one run's output. Keeps at most `maxBytes` (the harness
 * already stops sending there; the cap is enforced again so the host's memory
 * is bounded whatever arrives), forwards exactly what it keeps to `onOutput`,
 * and appends the truncation note when the run printed more.
 */
export class OutputBuffer {
  readonly #maxBytes: number;
  readonly #onOutput: ((chunk: string) => void) | undefined;
  readonly #chunks: string[] = [];
  readonly #onListenerError: (error: unknown) => void;
  #keptBytes = 0;
  /** Bytes actually kept: below the cap when the cut fell inside a character. */
  #shownBytes = 0;
  #seenBytes = 0;

  constructor(
    maxBytes: number,
    onOutput: ((chunk: string) => void) | undefined,
    onListenerError: (error: unknown) => void,
  ) {
    this.#maxBytes = maxBytes;
    this.#onOutput = onOutput;
    this.#onListenerError = onListenerError;
  }

  append(text: string): void {
    const bytes = utf8Length(text);
    this.#seenBytes += bytes;
    if (this.#keptBytes >= this.#maxBytes) return;
    let kept = text;
    if (this.#keptBytes + bytes > this.#maxBytes) {
      kept = truncateUtf8(text, this.#maxBytes - this.#keptBytes);
      this.#keptBytes = this.#maxBytes;
    } else {
      this.#keptBytes += bytes;
    }
    if (kept.length === 0) return;
    this.#shownBytes += kept === text ? bytes : utf8Length(kept);
    this.#chunks.push(kept);
    this.#emit(kept);
  }

  /**
   * The output as the caller sees it.
   * @param totalBytes - everything the code printed, as counted in the isolate
   *   (at least what arrived here).
   */
  finish(totalBytes: number): string {
    // The isolate's count is the code's to corrupt (NaN, negative): trust it only where it can be true.
    const total = Number.isFinite(totalBytes) && totalBytes > this.#seenBytes ? totalBytes : this.#seenBytes;
    let text = this.#chunks.join('');
    if (total > this.#maxBytes) {
      // What is shown: a cut inside a multi-byte character keeps fewer bytes than the cap.
      const note = truncationNote(this.#shownBytes, total);
      text += note;
      this.#emit(note);
    }
    return text;
  }

  #emit(chunk: string): void {
    if (this.#onOutput === undefined) return;
    try {
      const returned: unknown = this.#onOutput(chunk);
      // An async listener that rejects must not become an unhandled rejection in the host.
      if (typeof returned === 'object' && returned !== null && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(undefined, this.#onListenerError);
      }
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}
