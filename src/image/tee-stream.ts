import { PassThrough, type Readable } from 'node:stream';

/**
 * Two readers of one stream, each getting every chunk (the same Buffer, no copy). The source is
 * paused while either reader is full, so the slower one sets the pace. An error of the source
 * reaches both; a reader destroyed early stops the other too.
 */
export function teeStream(source: Readable): [Readable, Readable] {
  const outs = [new PassThrough({ highWaterMark: 1 << 20 }), new PassThrough({ highWaterMark: 1 << 20 })] as const;
  let waiting = 0;
  const onDrain = () => {
    if (--waiting === 0) source.resume();
  };
  source.on('data', (chunk: Buffer) => {
    for (const o of outs) {
      if (!o.write(chunk)) {
        waiting++;
        o.once('drain', onDrain);
      }
    }
    if (waiting > 0) source.pause();
  });
  source.on('end', () => {
    for (const o of outs) o.end();
  });
  source.on('error', (err) => {
    for (const o of outs) o.destroy(err);
  });
  for (const o of outs) {
    o.on('close', () => {
      if (!o.writableFinished && !source.destroyed) {
        const err = (o as unknown as { errored?: Error }).errored ?? new Error('reader closed early');
        for (const other of outs) if (other !== o) other.destroy(err);
        source.destroy();
      }
    });
  }
  return [outs[0], outs[1]];
}
