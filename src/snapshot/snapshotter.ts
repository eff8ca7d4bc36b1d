import type { Mount } from './mount.js';

export interface Usage {
  /** Bytes of non-directory files, each hard-linked inode counted once (Docker's SizeRw). */
  size: number;
  inodes: number;
}

export interface LayerInfo {
  chainId: string;
  /** Chain id of the layer below, '' for a base layer. */
  parent: string;
}

/**
 * Stores image layers as committed, read-only snapshots keyed by chain id, and writable
 * snapshots for containers keyed by a caller-chosen key (the container id).
 *
 * Lifecycle: `createLayer` makes a layer visible only once `fill` has returned; a crash before
 * leaves nothing visible and the leftovers are removed by the next open. A layer may reach the
 * disk after it is visible, but before anything is built on it (`prepare`); an implementation that
 * defers the flush removes, after a power loss, the layers that had not reached it.
 * `prepare` makes a writable snapshot on top of a layer; `remove` deletes it. A layer cannot be
 * removed while a child layer or a writable snapshot is on top of it (Conflict).
 *
 * The snapshotter never mounts: `prepare` and `mounts` return what to mount.
 */
export interface Snapshotter {
  hasLayer(chainId: string): boolean;
  /**
   * Creates the layer `chainId` on top of `parentChainId` ('' for a base layer): `fill` receives
   * an empty private directory and writes the layer's files (the diff, with overlay whiteouts).
   * Resolves without calling `fill` if the layer already exists; concurrent calls for the same
   * chain id call `fill` once. The parent may still be being created: `fill` runs at once and
   * the layer is committed after its parent (it fails if the parent's creation fails).
   */
  createLayer(chainId: string, parentChainId: string, fill: (dir: string) => Promise<void>): Promise<void>;
  /** Idempotent. Throws Conflict while the layer has a child layer or a writable snapshot. */
  removeLayer(chainId: string): Promise<void>;
  layers(): LayerInfo[];
  /** The directories of the layers of `chainId`, top first ([] for ''). Throws NotFound. */
  layerDirs(chainId: string): string[];
  /**
   * Creates the writable snapshot `key` on top of the layer `parent` ('' for an image without
   * layers) and returns its mounts. Cheap: a few mkdirs, no fsync. Throws Conflict if `key` exists.
   */
  prepare(key: string, parent: string): Promise<Mount[]>;
  /** The mounts of an existing writable snapshot. Throws NotFound. */
  mounts(key: string): Promise<Mount[]>;
  /** Removes a writable snapshot and its changes; idempotent. It must not be mounted. */
  remove(key: string): Promise<void>;
  /** What the writable snapshot `key` has written. Throws NotFound. */
  usage(key: string): Promise<Usage>;
  /** Keys of the writable snapshots, so that an owner can remove the ones it no longer knows. */
  keys(): string[];
}
