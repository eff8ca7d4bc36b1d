import type { Writable } from 'node:stream';

/**
 * Writes a chunk of a streamed answer. When the client does not read and its buffer is full, waits
 * until it drains, so a client that stops reading holds up its own stream and nothing else; resolves
 * false once the answer has closed (the client went away), so the stream can stop.
 */
export async function writeWithBackpressure(out: Writable, chunk: Buffer | string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      out.off('drain', onDrain).off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    out.on('drain', onDrain).on('close', onClose);
  });
}
