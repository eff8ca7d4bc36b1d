import type { Writable } from 'node:stream';
import type { JSONMessage } from '../../api/types/index.js';

/**
 * Print a progress stream the way docker does on a non-terminal: one line per status, prefixed
 * by the layer id; progress-bar updates (Downloading/Extracting with counts) are skipped.
 */
export async function printJsonMessages(messages: AsyncIterable<JSONMessage>, out: Writable): Promise<void> {
  for await (const message of messages) {
    const line = jsonMessageLine(message);
    if (line !== undefined) out.write(line);
  }
}

export function jsonMessageLine(message: JSONMessage): string | undefined {
  if (message.stream !== undefined) return message.stream;
  if (message.status === undefined) return undefined;
  if (message.progressDetail?.current !== undefined) return undefined;
  return `${message.id ? `${message.id}: ` : ''}${message.status}\n`;
}
