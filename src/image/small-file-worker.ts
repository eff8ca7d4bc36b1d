/**
 * The worker side of SmallFileWriter: creates the files of a batch one after the other with
 * plain synchronous syscalls, which in a worker cost the kernel's time and nothing more (the
 * event loop's asynchronous fs calls cost a thread-pool round trip each, four per file).
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { SmallFileBatch, SmallFileResult } from './small-file-writer.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

function openExclusive(path: string, mode: number): number {
  try {
    return fs.openSync(path, flags, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A duplicate entry: the later one wins, as the layer spec says.
    fs.rmSync(path, { recursive: true, force: true });
    return fs.openSync(path, flags, mode);
  }
}

parentPort!.on('message', (batch: SmallFileBatch) => {
  const results: SmallFileResult[] = [];
  const data = new Uint8Array(batch.data);
  for (const f of batch.files) {
    try {
      const fd = openExclusive(f.path, f.createMode);
      try {
        for (let off = f.offset, end = f.offset + f.size; off < end; ) off += fs.writeSync(fd, data, off, end - off);
        if (f.chown) fs.fchownSync(fd, f.chown[0], f.chown[1]);
        if (f.chmod !== undefined) fs.fchmodSync(fd, f.chmod);
        if (f.mtimeMs !== undefined) fs.futimesSync(fd, f.mtimeMs / 1000, f.mtimeMs / 1000);
      } finally {
        fs.closeSync(fd);
      }
      results.push({ id: f.id });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      results.push({ id: f.id, error: { message: e.message, ...(e.code ? { code: e.code } : {}) } });
    }
  }
  parentPort!.postMessage(results);
});
