import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, isDigest, type Digest } from '../common/digest.js';
import { InvalidArgument, NotFound, isNotFoundError } from '../common/errors.js';
import type { BlobInfo, ContentStore, IngestOptions } from './content-store.js';
import { pathExists } from '../common/path-exists.js';

/** Bytes gathered before one writev(2). */
const writeBatch = 1 << 20;

/**
 * Blobs as files under the store's directory (`<data-root>/content` in the daemon):
 *
 *   blobs/sha256/<hex>   committed blobs, never modified
 *   ingest/<random>      blobs being written; removed at open()
 *
 * A blob becomes visible by rename(2) from ingest/ after it was hashed, verified and synced, so a
 * reader sees all of it or nothing. Concurrent ingests of the same digest each write their own
 * temp file; the second one finds the blob there and drops its copy.
 */
export class FsContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  private constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  /** Opens (creating if needed) the store in `dir` and drops unfinished ingests. */
  static async open(dir: string): Promise<FsContentStore> {
    const store = new FsContentStore(resolve(dir));
    await rm(store.ingestDir, { recursive: true, force: true });
    await mkdir(store.blobDir, { recursive: true, mode: 0o700 });
    await mkdir(store.ingestDir, { recursive: true, mode: 0o700 });
    return store;
  }

  async ingest(stream: Readable | AsyncIterable<Uint8Array>, options: IngestOptions = {}): Promise<BlobInfo> {
    const { expected, signal } = options;
    if (expected) checkDigest(expected.digest);
    signal?.throwIfAborted();
    const tmp = join(this.ingestDir, randomBytes(12).toString('hex'));
    const fh = await open(tmp, 'wx', 0o644);
    const onAbort = () => {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let closed = false;
    try {
      const hash = createHash('sha256');
      let size = 0;
      // Chunks are written in batches, one batch in flight while the next fills: network-sized
      // chunks written one by one and awaited would pace the whole stream (and a tee's other reader).
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      let writing: Promise<unknown> = Promise.resolve();
      for await (const chunk of stream) {
        signal?.throwIfAborted();
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buf.byteLength;
        if (expected?.size !== undefined && size > expected.size) {
          throw new InvalidArgument(`blob "${expected.digest}": size mismatch: expected ${expected.size} bytes, got more`);
        }
        hash.update(buf);
        batch.push(buf);
        batchBytes += buf.byteLength;
        if (batchBytes >= writeBatch) {
          await writing;
          writing = fh.writev(batch);
          batch = [];
          batchBytes = 0;
        }
      }
      await writing;
      if (batch.length) await fh.writev(batch);
      signal?.throwIfAborted();
      const digest = `sha256:${hash.digest('hex')}` as Digest;
      if (expected) {
        if (expected.size !== undefined && size !== expected.size) {
          throw new InvalidArgument(`blob "${expected.digest}": size mismatch: expected ${expected.size} bytes, got ${size}`);
        }
        if (digest !== expected.digest) {
          throw new InvalidArgument(`blob "${expected.digest}": digest mismatch: got "${digest}"`);
        }
      }
      const target = this.blobPath(digest);
      if (await pathExists(target)) {
        await fh.close();
        closed = true;
        await unlink(tmp);
        return { digest, size };
      }
      await fh.datasync();
      await fh.close();
      closed = true;
      // TODO(#3): fsync blobs/sha256 too if a power loss right after commit must keep the name
      await rename(tmp, target);
      return { digest, size };
    } catch (err) {
      if (!closed) await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async put(data: Uint8Array | string, options: IngestOptions = {}): Promise<BlobInfo> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    async function* once() { yield buf; }
    return this.ingest(once(), options);
  }

  async has(digest: Digest): Promise<boolean> {
    return pathExists(this.blobPath(checkDigest(digest)));
  }

  async path(digest: Digest): Promise<string> {
    const p = this.blobPath(checkDigest(digest));
    if (!(await pathExists(p))) throw notFound(digest);
    return p;
  }

  async read(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(checkDigest(digest)));
    } catch (err) {
      throw isNotFoundError(err) ? notFound(digest, err) : err;
    }
  }

  async readStream(digest: Digest): Promise<Readable> {
    let fh;
    try {
      fh = await open(this.blobPath(checkDigest(digest)), 'r');
    } catch (err) {
      throw isNotFoundError(err) ? notFound(digest, err) : err;
    }
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  async info(digest: Digest): Promise<BlobInfo> {
    try {
      const st = await stat(this.blobPath(checkDigest(digest)));
      return { digest, size: st.size };
    } catch (err) {
      throw isNotFoundError(err) ? notFound(digest, err) : err;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await unlink(this.blobPath(checkDigest(digest))).catch((err: unknown) => {
      if (!isNotFoundError(err)) throw err;
    });
  }

  async list(): Promise<BlobInfo[]> {
    const names = await readdir(this.blobDir);
    const out: BlobInfo[] = [];
    for (const name of names) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      try {
        const st = await stat(join(this.blobDir, name));
        out.push({ digest, size: st.size });
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
    return out;
  }

  private blobPath(digest: Digest): string {
    return join(this.blobDir, digestHex(digest));
  }
}

function checkDigest(digest: string): Digest {
  if (!isDigest(digest)) throw new InvalidArgument(`invalid digest "${digest}": expected sha256 followed by 64 hex characters`);
  return digest;
}

function notFound(digest: Digest, cause?: unknown): NotFound {
  return new NotFound(`blob "${digest}": not found`, { cause });
}

