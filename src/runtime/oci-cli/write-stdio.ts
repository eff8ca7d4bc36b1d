import { writeSync } from 'node:fs';

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

/**
 * Writes to stdout without creating process.stdout: Node would make a pipe non-blocking, and the
 * container shares the open file (a runtime passes its stdio through unchanged).
 */
export function writeStdout(text: string): void {
  writeAll(1, text);
}

export function writeStderr(text: string): void {
  writeAll(2, text);
}
