import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { HarnessMessage } from '../protocol.js';
import { isHarnessMessage } from './validate.js';

/** Takes, synchronously, every message queued on `port` and not yet delivered. */
export function drainPort(port: MessagePort): HarnessMessage[] {
  const messages: HarnessMessage[] = [];
  for (;;) {
    const received: { message: unknown } | undefined = receiveMessageOnPort(port);
    if (received === undefined) return messages;
    // A forged message is dropped here; the run ends as the stop decided.
    if (isHarnessMessage(received.message)) messages.push(received.message);
  }
}
