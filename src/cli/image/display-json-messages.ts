import type { Writable } from 'node:stream';
import type { JSONMessage } from '../../api/types/index.js';
import { jsonMessageLine } from './print-json-messages.js';

/**
 * A progress stream as docker's jsonmessage.DisplayJSONMessagesStream shows it: on a terminal one
 * line per layer id, redrawn in place (cursor up, erase line, rewrite, cursor down) with the
 * progress bar; elsewhere plain status lines without the bar updates.
 */
export async function displayJsonMessages(messages: AsyncIterable<JSONMessage>, out: Writable & { isTTY?: boolean }): Promise<void> {
  if (!out.isTTY) {
    for await (const m of messages) {
      const line = jsonMessageLine(m);
      if (line !== undefined) out.write(line);
    }
    return;
  }
  const lines = new Map<string, number>();
  let count = 0;
  for await (const m of messages) {
    if (m.stream !== undefined) {
      out.write(m.stream);
      continue;
    }
    if (m.status === undefined || (m.status === '' && m.aux !== undefined)) continue;
    const text = `${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`;
    if (!m.id) {
      out.write(`${text}\n`);
      count++;
      continue;
    }
    const at = lines.get(m.id);
    if (at === undefined) {
      lines.set(m.id, count++);
      out.write(`${text}\n`);
      continue;
    }
    const up = count - at;
    out.write(`\x1b[${up}A\x1b[2K\r${text}\x1b[${up}B\r`);
  }
}
