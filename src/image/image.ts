import type { Digest } from '../common/digest.js';
import type { ImageConfig } from '../oci/image.js';

export type { ImageConfig, ImageExecConfig, ImageHealthcheck, HistoryEntry, RootFs } from '../oci/image.js';

/** A local image: a config blob, the layer snapshots it names, and the references to it. */
export interface Image {
  /** The config digest, as Docker's image id. */
  id: Digest;
  config: ImageConfig;
  /** Familiar `name:tag`, as `docker images` shows them, sorted. */
  repoTags: string[];
  /** Familiar `name@sha256:…`, sorted. */
  repoDigests: string[];
  /** Chain id of the top layer, '' for an image without layers: the snapshot parent. */
  chainId: string;
  /** Bytes of the unpacked layers (regular file sizes), as Docker's Size. */
  size: number;
  /** config.created, or '' when the config has none. */
  created: string;
  /** When a reference was last added, RFC 3339; '' if never tagged. */
  lastTagTime: string;
  /** Image id of the parent for committed and built images, '' otherwise. */
  parent: string;
}

/** One item of an image delete or prune, as Docker lists them. */
export type ImageDeleteItem = { untagged: string } | { deleted: string };
