import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { HarnessMessage } from '../protocol.js';

/** Takes, synchronously, every message queued on `port` and not yet delivered. */
export function drainPort(port: MessagePort): HarnessMessage[] {
  const messages: HarnessMessage[] = [];
  for (;;) {
    const received: { message: HarnessMessage } | undefined = receiveMessageOnPort(port);
    if (received === undefined) return messages;
    messages.push(received.message);
  }
}
