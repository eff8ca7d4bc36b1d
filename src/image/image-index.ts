import { readFile } from 'node:fs/promises';
import { atomicWriteJson } from '../common/atomic-write.js';
import type { Digest } from '../common/digest.js';
import { Internal, isNotFoundError, messageOf } from '../common/errors.js';
import { normalizeReference, referenceString, type Reference } from './reference.js';

export interface ImageRecord {
  lastTagTime: string;
  /** Parent image id ('' if none), for committed and built images. */
  parent: string;
  /**
   * Digests of manifests (blobs in the content store) whose config is this image: what a pull
   * fetched or a push sent, so that pushing it again sends the same bytes (and digest).
   */
  manifests?: string[];
}

/** A compressed form of a layer kept in the content store, for push. */
export interface LayerBlob {
  digest: string;
  mediaType: string;
  size: number;
  /** Repositories (`domain/path`) known to hold the blob: cross-repository mounts on push. */
  sources: string[];
}

export interface LayerRecord {
  /** Bytes of regular files in the layer's diff. */
  size: number;
  /** Bytes of the layer's uncompressed tar, when it was unpacked here. */
  tarSize?: number;
}

interface IndexFile {
  version: 1;
  images: Record<string, ImageRecord>;
  layers: Record<string, LayerRecord>;
  /** Full reference string (`docker.io/library/busybox:latest`, `…@sha256:…`) → image id. */
  refs: Record<string, string>;
  /** Diff id → compressed blobs of that layer. */
  blobs?: Record<string, LayerBlob[]>;
}

/**
 * The image metadata kept in memory and in one file, `<root>/image/index.json`, rewritten
 * atomically after every change (like Docker's repositories.json). Configs are blobs in the
 * content store, named by the image ids here.
 */
export class ImageIndex {
  readonly images = new Map<Digest, ImageRecord>();
  readonly layers = new Map<string, LayerRecord>();
  /** Diff id → compressed blobs of that layer in the content store. */
  readonly blobs = new Map<string, LayerBlob[]>();
  private readonly refs = new Map<string, { ref: Reference; id: Digest }>();
  private readonly refsById = new Map<Digest, Set<string>>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string) {}

  static async load(path: string): Promise<ImageIndex> {
    const index = new ImageIndex(path);
    let file: IndexFile | undefined;
    try {
      file = JSON.parse(await readFile(path, 'utf8')) as IndexFile;
    } catch (err) {
      if (!isNotFoundError(err)) throw new Internal(`read image index "${path}": ${messageOf(err)}`, { cause: err });
    }
    if (file) {
      for (const [id, rec] of Object.entries(file.images)) index.images.set(id as Digest, rec);
      for (const [chainId, rec] of Object.entries(file.layers)) index.layers.set(chainId, rec);
      for (const [name, id] of Object.entries(file.refs)) index.setRef(normalizeReference(name), id as Digest);
      for (const [diffId, blobs] of Object.entries(file.blobs ?? {})) index.blobs.set(diffId, blobs);
    }
    return index;
  }

  getRef(ref: Reference): Digest | undefined {
    return this.refs.get(referenceString(ref))?.id;
  }

  /** Points `ref` at `id`; returns the id it pointed at before. */
  setRef(ref: Reference, id: Digest): Digest | undefined {
    const key = referenceString(ref);
    const old = this.refs.get(key);
    if (old) this.refsById.get(old.id)?.delete(key);
    this.refs.set(key, { ref, id });
    let set = this.refsById.get(id);
    if (!set) this.refsById.set(id, (set = new Set()));
    set.add(key);
    return old?.id;
  }

  deleteRef(ref: Reference): boolean {
    const key = referenceString(ref);
    const old = this.refs.get(key);
    if (!old) return false;
    this.refs.delete(key);
    this.refsById.get(old.id)?.delete(key);
    return true;
  }

  /** References to `id`, in the order they were added. */
  refsOf(id: Digest): Reference[] {
    return [...(this.refsById.get(id) ?? [])].map((k) => this.refs.get(k)!.ref);
  }

  /** Records a compressed blob of the layer `diffId`, and a repository that holds it. */
  addLayerBlob(diffId: string, blob: Omit<LayerBlob, 'sources'>, source?: string): void {
    let list = this.blobs.get(diffId);
    if (!list) this.blobs.set(diffId, (list = []));
    let rec = list.find((b) => b.digest === blob.digest);
    if (!rec) list.push((rec = { ...blob, sources: [] }));
    if (source !== undefined && !rec.sources.includes(source)) rec.sources.push(source);
  }

  /** Writes the whole index; writes are chained so that the last one holds every change. */
  save(): Promise<void> {
    const write = async () => {
      const file: IndexFile = {
        version: 1,
        images: Object.fromEntries(this.images),
        layers: Object.fromEntries(this.layers),
        refs: Object.fromEntries([...this.refs].map(([k, v]) => [k, v.id])),
        blobs: Object.fromEntries(this.blobs),
      };
      await atomicWriteJson(this.path, file);
    };
    const p = this.saving.then(write, write);
    this.saving = p.catch(() => {});
    return p;
  }
}
