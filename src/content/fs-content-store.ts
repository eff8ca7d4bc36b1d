import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, isDigest, type Digest } from '../common/digest.js';
import { atomicWriteJson } from '../common/atomic-write.js';
import { bootId } from '../common/boot-id.js';
import { backgroundFlush, type BackgroundFlush } from '../common/background-flush.js';
import { InvalidArgument, NotFound, isNotFoundError, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { syncFilesystem } from '../common/sync-filesystem.js';
import type { BlobInfo, ContentStore, IngestOptions } from './content-store.js';
import { pathExists } from '../common/path-exists.js';

/** Bytes gathered before one writev(2). */
const writeBatch = 1 << 20;
/** Blobs up to this size (configs, manifests) are flushed before their rename; see "Durability". */
const flushNow = 1 << 20;

interface UnsyncedFile {
  boot: string;
  digests: string[];
}

export interface FsContentStoreOptions {
  log?: Logger;
}

/**
 * Blobs as files under the store's directory (`<data-root>/content` in the daemon):
 *
 *   blobs/sha256/<hex>   committed blobs, never modified
 *   ingest/<random>      blobs being written; removed at open()
 *
 * A blob becomes visible by rename(2) from ingest/ after it was hashed and verified, so a reader
 * sees all of it or nothing. Concurrent ingests of the same digest each write their own temp
 * file; the second one finds the blob there and drops its copy.
 *
 * Durability: a small blob is flushed (fdatasync) before its rename. A large one (a layer) is
 * not, because flushing it would hold up the pull that streams it: its digest is first recorded
 * in `unsynced.json` (written durably, with the boot id), then it is renamed, and a background
 * syncfs shared by the blobs committed meanwhile takes it off the list. open() in the same boot
 * only finishes the flush; open() after a reboot hashes the blobs still listed and removes those
 * whose bytes did not reach the disk.
 */
export class FsContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;
  private readonly log: Logger;
  /** Blobs renamed into place whose bytes may not be on disk yet. */
  private readonly unsynced = new Set<string>();
  private readonly flusher: BackgroundFlush;
  private saving: Promise<void> = Promise.resolve();

  private constructor(readonly root: string, options: FsContentStoreOptions) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
    this.log = options.log ?? silentLogger;
    this.flusher = backgroundFlush({
      pending: () => [...this.unsynced],
      flush: () => syncFilesystem(this.root),
      onError: (err) => this.log.warn('flush blobs to disk', { error: messageOf(err) }),
      flushed: async (digests) => {
        for (const d of digests) this.unsynced.delete(d);
        await this.saveUnsynced();
      },
    });
  }

  /** Opens (creating if needed) the store in `dir`, drops unfinished ingests and checks unflushed blobs. */
  static async open(dir: string, options: FsContentStoreOptions = {}): Promise<FsContentStore> {
    const store = new FsContentStore(resolve(dir), options);
    await rm(store.ingestDir, { recursive: true, force: true });
    await mkdir(store.blobDir, { recursive: true, mode: 0o700 });
    await mkdir(store.ingestDir, { recursive: true, mode: 0o700 });
    await store.recoverUnsynced();
    return store;
  }

  /** Flushes the blobs not yet on disk now (at shutdown: a reboot after it must not drop them). */
  flush(): Promise<void> {
    return this.flusher.now();
  }

  private get unsyncedPath(): string {
    return join(this.root, 'unsynced.json');
  }

  private async recoverUnsynced(): Promise<void> {
    let file: UnsyncedFile;
    try {
      file = JSON.parse(await readFile(this.unsyncedPath, 'utf8')) as UnsyncedFile;
    } catch (err) {
      if (isNotFoundError(err)) return;
      throw new InvalidArgument(`read "${this.unsyncedPath}": ${messageOf(err)}`, { cause: err });
    }
    if (file.boot === bootId()) {
      for (const d of file.digests) this.unsynced.add(d);
      this.flusher.soon();
      return;
    }
    // The machine restarted before these were flushed: keep only those whose bytes survived.
    for (const digest of file.digests) {
      if (!isDigest(digest)) continue;
      const path = this.blobPath(digest);
      try {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
        if (`sha256:${hash.digest('hex')}` === digest) continue;
        this.log.warn('removing a blob whose bytes did not reach the disk before the machine restarted', { digest });
        await unlink(path);
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
    await this.saveUnsynced();
  }

  /** Writes the list durably; writes are chained so that the last one holds every change. */
  private saveUnsynced(): Promise<void> {
    const write = async () => {
      if (this.unsynced.size === 0) {
        await unlink(this.unsyncedPath).catch((err: unknown) => {
          if (!isNotFoundError(err)) throw err;
        });
        return;
      }
      await atomicWriteJson(this.unsyncedPath, { boot: bootId(), digests: [...this.unsynced] } satisfies UnsyncedFile);
    };
    const p = this.saving.then(write, write);
    this.saving = p.catch(() => {});
    return p;
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
      const deferred = size > flushNow;
      if (deferred) {
        this.unsynced.add(digest);
        await this.saveUnsynced();
      } else {
        await fh.datasync();
      }
      await fh.close();
      closed = true;
      await rename(tmp, target);
      if (deferred) this.flusher.soon();
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

