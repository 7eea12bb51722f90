import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { HarnessMessage } from '../protocol.js';
import { isHarnessMessage } from './validate.js';

/**
 * Takes, synchronously, the messages queued on `port` and not yet delivered,
 * up to the first one the harness did not send: past a forgery the queue is
 * the code's, possibly a flood, and is dropped when the port closes.
 */
export function drainPort(port: MessagePort, key: string | undefined): HarnessMessage[] {
  const messages: HarnessMessage[] = [];
  for (;;) {
    let received: { message: unknown } | undefined;
    try {
      received = receiveMessageOnPort(port);
    } catch {
      // A message the host cannot read back: what came before it is kept.
      return messages;
    }
    if (received === undefined || !isHarnessMessage(received.message, key)) return messages;
    messages.push(received.message);
  }
}
