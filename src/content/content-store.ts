import type { Readable } from 'node:stream';
import type { Digest } from '../common/digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface IngestOptions {
  /** When given, the blob is committed only if the bytes hash to this digest and size. */
  expected?: { digest: Digest; size?: number };
  signal?: AbortSignal;
}

/**
 * A content-addressed blob store.
 *
 * Invariants: a blob is visible (`has`, `path`, `list`, ...) only once all its bytes are written
 * and verified; its content never changes afterwards. After a power loss, a blob whose bytes had
 * not reached the disk is gone, never visible with the wrong bytes. Ingesting a digest that already
 * exists, or ingesting the same digest twice at the same time, leaves one intact blob. Deleting
 * is idempotent. Open readers of a deleted blob keep their data (unlink semantics).
 */
export interface ContentStore {
  /**
   * Consumes `stream` into a new blob and returns its digest and size. Throws InvalidArgument on
   * a digest or size mismatch with `expected`; nothing is committed then.
   */
  ingest(stream: Readable | AsyncIterable<Uint8Array>, options?: IngestOptions): Promise<BlobInfo>;
  /** Stores a small blob held in memory (configs, manifests). */
  put(data: Uint8Array | string, options?: IngestOptions): Promise<BlobInfo>;
  has(digest: Digest): Promise<boolean>;
  /** The file of a committed blob, for readers that want their own fd. Throws NotFound. */
  path(digest: Digest): Promise<string>;
  read(digest: Digest): Promise<Buffer>;
  readStream(digest: Digest): Promise<Readable>;
  info(digest: Digest): Promise<BlobInfo>;
  delete(digest: Digest): Promise<void>;
  list(): Promise<BlobInfo[]>;
}
