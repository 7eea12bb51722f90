import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { HarnessMessage, HostMessage, TaskMessage } from '../protocol.js';
import { forgedError, isHarnessMessage, Resends } from './validate.js';

/** What a {@link ReportPort} tells the isolate that owns it. */
export interface ReportEvents {
  /** A message the harness sent: `ready` before the task, the run's reports after. */
  report(message: HarnessMessage): void;
  /** The channel cannot be trusted any more (a forgery, a report unreadable even flattened): stop the isolate. */
  broken(error: Error): void;
}

/**
 * The host's end of a thread isolate's private port (`'worker'`, `'context'`;
 * `'process'` reads frames instead, see frames.ts). Every message must carry
 * the running task's key; the first that does not is a forgery. A report V8
 * wrote but the host cannot read back (nested too deep for this stack, a
 * cycle through an Error's cause) arrives as `messageerror` and is asked for
 * again, flatter. Closing drops whatever the code queued, unread.
 */
export class ReportPort {
  readonly #port: MessagePort;
  readonly #resends: Resends;
  #key: string | undefined;
  #closed = false;

  constructor(port: MessagePort, events: ReportEvents) {
    this.#port = port;
    this.#resends = new Resends(
      (attempt) => this.#post({ type: 'resend', attempt }),
      (error) => events.broken(error),
    );
    port.on('message', (message: unknown) => {
      if (this.#closed) return;
      if (!isHarnessMessage(message, this.#key)) return events.broken(forgedError());
      this.#resends.settle();
      events.report(message);
    });
    port.on('messageerror', () => {
      if (!this.#closed && this.#key !== undefined) this.#resends.unreadable();
    });
  }

  /** Hands over the task; from now on only reports with its key are the harness's. */
  start(task: TaskMessage): void {
    this.expect(task.key);
    this.#post(task);
  }

  /** From now on only reports with `key` are the harness's (the task went another way). */
  expect(key: string): void {
    this.#key = key;
  }

  /**
   * Takes, synchronously, the reports queued and not yet delivered (a kill
   * must not lose them), up to the first one the harness did not send: past a
   * forgery the queue is the code's, possibly a flood.
   */
  drain(): HarnessMessage[] {
    const messages: HarnessMessage[] = [];
    while (!this.#closed) {
      let received: { message: unknown } | undefined;
      try {
        received = receiveMessageOnPort(this.#port);
      } catch {
        // A message the host cannot read back: what came before it is kept.
        break;
      }
      if (received === undefined || !isHarnessMessage(received.message, this.#key)) break;
      messages.push(received.message);
    }
    return messages;
  }

  /** Stops listening and frees whatever is still queued. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    this.#resends.settle();
    this.#port.close();
  }

  unref(): void {
    this.#port.unref();
  }

  #post(message: HostMessage): void {
    this.#port.postMessage(message);
  }
}
