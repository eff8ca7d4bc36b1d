import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { isDigest, sha256Digest, type Digest } from '../common/digest.js';
import { Conflict, InvalidArgument, NotFound, NotImplemented, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { ContentStore } from '../content/content-store.js';
import { chainIds, hostArchitecture, type HistoryEntry, type ImageConfig, type ImageExecConfig } from '../oci/image.js';
import { RegistryClient, type RegistryCredentials } from '../registry/registry-client.js';
import type { RegistryHosts } from '../registry/registry-hosts.js';
import { TokenCache } from '../registry/token-cache.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { applyChanges } from './apply-changes.js';
import { decompressStream } from './decompress-stream.js';
import { deleteConflict, noSuchImage, usedByContainerConflict, withContext } from './errors.js';
import type { Image, ImageDeleteItem } from './image.js';
import { loadArchive, saveArchive, type LoadOptions } from './image-archive.js';
import { ImageIndex, type LayerBlob } from './image-index.js';
import { ImagePuller, type PullOptions, type PullResult } from './image-puller.js';
import { ImagePusher, type PushOptions, type PushResult } from './image-pusher.js';
import { unpackLayer } from './layer-unpacker.js';
import { familiarName, normalizeReference, parseReference, repositoryName, withTag, type Reference } from './reference.js';

export interface ImageServiceDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  /** Scheme and TLS per registry; pull and push are refused without it. */
  registries?: RegistryHosts;
  log?: Logger;
}

export interface ImportOptions {
  /** Repository, optionally with a tag (`busybox`, `busybox:latest`). */
  repo?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config, as `docker import --change`. */
  changes?: string[];
  /** History comment; Docker's default is `Imported from -`. */
  message?: string;
  signal?: AbortSignal;
}

export interface ApplyLayerOptions {
  /** From the image config: the tar is verified against it while unpacking. */
  diffId: Digest;
  /** Awaited after the unpack: the layer is committed only if it fulfils (the source blob's check). */
  verify?: () => Promise<unknown>;
  /**
   * The tar is the content store's blob named `diffId`, verified when it was stored: hashing it
   * again would only cost time.
   */
  fromDiffIdBlob?: boolean;
  signal?: AbortSignal;
}

export interface AppliedLayer {
  diffId: Digest;
  chainId: string;
  size: number;
}

export interface CreateImageOptions {
  /** References to point at the image: `busybox:latest`, normalized as Docker does. */
  tags?: string[];
  /** `name@sha256:…` references (the manifest digest a pull resolved). */
  repoDigests?: string[];
  /** Parent image id, for commit and build. */
  parent?: Digest;
  /** A manifest blob (in the content store) whose config this is. */
  manifest?: Digest;
}

export interface CommitOptions {
  /** Image id or reference of the container's image; none for a container without one. */
  parent?: string;
  /** The new image's exec config (the container's, with changes applied). */
  config: ImageExecConfig;
  containerId: string;
  /** History `created_by`: the container's command, as Docker records it. */
  createdBy: string;
  author?: string;
  comment?: string;
  tags?: string[];
  signal?: AbortSignal;
}

/** Who uses an image; the container layer answers. */
export interface ImageUsers {
  /** Ids of containers (running or not) created from the image. */
  usedBy?: (imageId: Digest) => string[];
  /** Ids of running containers created from the image: those conflicts cannot be forced. */
  runningBy?: (imageId: Digest) => string[];
}

export interface RemoveImageOptions extends ImageUsers {
  force?: boolean;
  /** Keep untagged parent images (`docker rmi --no-prune`). */
  noPrune?: boolean;
}

export interface PruneImagesOptions extends ImageUsers {
  /** Only images without tags (`docker image prune` without `-a`). */
  dangling?: boolean;
  /** The API's label and until filters. */
  filter?: (image: Image) => boolean;
}

export interface PruneImagesResult {
  deleted: ImageDeleteItem[];
  spaceReclaimed: number;
}

interface ConfigEntry {
  config: ImageConfig;
  chain: string[];
}

interface DeleteConflict {
  hard: boolean;
  used: boolean;
  reason: string;
}

const idPrefixRe = /^(?:sha256:)?([a-f0-9]{1,64})$/;

/**
 * Local images: configs in the content store, layers in the snapshotter, references and sizes in
 * the ImageIndex (`<root>/image/index.json`). Everything needed to answer `resolve` and `list` is
 * in memory after open(), so those are synchronous.
 */
export class ImageService {
  private readonly configs = new Map<Digest, ConfigEntry>();
  readonly content: ContentStore;
  readonly snapshotter: Snapshotter;
  readonly log: Logger;
  private readonly registries: RegistryHosts | undefined;
  private readonly tokens = new TokenCache();
  private readonly puller: ImagePuller;
  private readonly held = new Map<string, number>();
  private readonly pusher: ImagePusher;

  private constructor(private readonly index: ImageIndex, deps: ImageServiceDeps) {
    this.content = deps.content;
    this.snapshotter = deps.snapshotter;
    this.log = deps.log ?? silentLogger;
    this.registries = deps.registries;
    this.puller = new ImagePuller(this);
    this.pusher = new ImagePusher(this);
  }

  /**
   * Loads the index under `<root>/image` and the configs it names; drops images whose config or
   * top layer is gone, and removes layers that no image uses (left by a crash during a pull or
   * import, or by a forced removal whose containers are gone since).
   */
  static async open(root: string, deps: ImageServiceDeps): Promise<ImageService> {
    const dir = join(root, 'image');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const svc = new ImageService(await ImageIndex.load(join(dir, 'index.json')), deps);
    let dropped = false;
    for (const id of [...svc.index.images.keys()]) {
      try {
        svc.configs.set(id, parseConfig(await svc.content.read(id)));
        const top = svc.configs.get(id)!.chain.at(-1);
        if (top !== undefined && !svc.snapshotter.hasLayer(top)) throw new NotFound(`layer "${top}": not found`);
      } catch (err) {
        svc.log.warn('dropping image', { id, error: messageOf(err) });
        svc.configs.delete(id);
        svc.index.images.delete(id);
        for (const ref of svc.index.refsOf(id)) svc.index.deleteRef(ref);
        dropped = true;
      }
    }
    if (dropped) await svc.index.save();
    await svc.removeUnusedLayers();
    await svc.removeUnusedBlobs();
    return svc;
  }

  /** `docker pull`: see ImagePuller. */
  pull(ref: string, options: PullOptions): Promise<PullResult> {
    return this.puller.pull(ref, options);
  }

  /** `docker push`: see ImagePusher. */
  push(ref: string, options: PushOptions): Promise<PushResult> {
    return this.pusher.push(ref, options);
  }

  /**
   * `docker commit`: `diff` (an uncompressed layer tar, overlay whiteouts already turned into
   * `.wh.` entries) becomes a new layer on the parent image; the tar is kept as the layer's blob.
   */
  async commit(diff: Readable, options: CommitOptions): Promise<Image> {
    const parent = options.parent ? this.resolve(options.parent) : undefined;
    const { digest: diffId } = await this.content.ingest(diff, options.signal ? { signal: options.signal } : {});
    const release = this.hold([diffId, chainOf(parent?.chainId ?? '', diffId)]);
    try {
      await this.applyLayer(parent?.chainId ?? '', await this.content.readStream(diffId), { diffId, fromDiffIdBlob: true, ...(options.signal ? { signal: options.signal } : {}) });
      const created = new Date().toISOString();
      const base = parent?.config;
      const history: HistoryEntry[] = base?.history?.length
        ? [...base.history]
        : (base?.rootfs.diff_ids ?? []).map(() => ({ created: base?.created ?? created }));
      history.push({
        created,
        created_by: options.createdBy,
        ...(options.author ? { author: options.author } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
      });
      const config: ImageConfig = {
        architecture: base?.architecture ?? hostArchitecture(),
        ...(options.author ? { author: options.author } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
        config: options.config,
        container: options.containerId,
        created,
        history,
        os: base?.os ?? 'linux',
        rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), diffId] },
      };
      return await this.create(config, { tags: options.tags ?? [], ...(parent ? { parent: parent.id } : {}) });
    } finally {
      release();
      await this.collectGarbage();
    }
  }

  /** `docker save`: see saveArchive. Throws NotFound before the stream starts. */
  save(names: string[], signal?: AbortSignal): Readable {
    return saveArchive(this, names, signal);
  }

  /** `docker load`: see loadArchive. */
  load(input: Readable, options: LoadOptions): Promise<Image[]> {
    return loadArchive(this, input, options);
  }

  /** A client for the registry `domain`, speaking as `credentials`; close it after use. */
  async registryClient(domain: string, credentials?: RegistryCredentials): Promise<RegistryClient> {
    if (!this.registries) throw new NotImplemented('this image service has no registry access');
    return new RegistryClient(await this.registries.endpoint(domain), {
      tokens: this.tokens, log: this.log, ...(credentials ? { credentials } : {}),
    });
  }

  hasLayer(chainId: string): boolean {
    return this.snapshotter.hasLayer(chainId);
  }

  /** Compressed blobs of the layer `diffId` that are in the content store. */
  layerBlobs(diffId: Digest): LayerBlob[] {
    return this.index.blobs.get(diffId) ?? [];
  }

  /** Records a compressed blob of a layer (saved with the next index write). */
  recordLayerBlob(diffId: Digest, blob: Omit<LayerBlob, 'sources'>, source?: string): void {
    this.index.addLayerBlob(diffId, blob, source);
  }

  /**
   * The uncompressed tar of a layer, for save: the kept tar blob, else a compressed blob
   * decompressed on the fly. `size` is the tar's length (the tar header of save needs it first).
   */
  async layerTar(chainId: string, diffId: Digest): Promise<{ size: number; open: () => Promise<Readable> }> {
    if (await this.content.has(diffId)) {
      const { size } = await this.content.info(diffId);
      return { size, open: () => this.content.readStream(diffId) };
    }
    for (const b of this.layerBlobs(diffId)) {
      if (!isDigest(b.digest) || !(await this.content.has(b.digest))) continue;
      const digest = b.digest;
      const open = async () => decompressStream(await this.content.readStream(digest));
      let size = this.index.layers.get(chainId)?.tarSize;
      if (size === undefined) {
        size = 0;
        for await (const c of await open()) size += (c as Buffer).length;
      }
      return { size, open };
    }
    throw new NotFound(`layer "${diffId}": neither its tar nor a compressed blob is in the content store`);
  }

  /** The image's layers, bottom first, with their sizes. */
  layerChain(id: Digest): { chainId: string; size: number }[] {
    const entry = this.configs.get(id);
    if (!entry) throw noSuchImage(id);
    return entry.chain.map((c) => ({ chainId: c, size: this.index.layers.get(c)?.size ?? 0 }));
  }

  /** Manifest blobs recorded for the image (pulled or pushed). */
  manifestsOf(id: Digest): Digest[] {
    return (this.index.images.get(id)?.manifests ?? []) as Digest[];
  }

  /** The config bytes as stored: hashing them gives the image id. */
  configBytes(id: Digest): Promise<Buffer> {
    return this.content.read(id);
  }

  /** Points more references at an image and records a manifest of it (after a push). */
  async addReferences(id: Digest, options: { repoDigests?: string[]; manifest?: Digest }): Promise<void> {
    const rec = this.index.images.get(id);
    if (!rec) throw noSuchImage(id);
    for (const r of options.repoDigests ?? []) {
      const ref = parseReference(r);
      checkTaggable(ref, true);
      this.index.setRef(ref, id);
    }
    if (options.manifest && !(rec.manifests ?? []).includes(options.manifest)) rec.manifests = [...(rec.manifests ?? []), options.manifest];
    await this.index.save();
  }

  /**
   * Protects layers (chain ids) and blobs (digests) that an operation in progress is making from
   * collectGarbage; call the returned function (idempotent) when the operation ends.
   */
  hold(keys: string[]): () => void {
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of keys) {
        const n = (this.held.get(k) ?? 1) - 1;
        if (n > 0) this.held.set(k, n);
        else this.held.delete(k);
      }
    };
  }

  /** Removes layers and blobs that no image uses and no operation holds: after a failed pull or load. */
  async collectGarbage(): Promise<void> {
    await this.removeUnusedLayers();
    await this.removeUnusedBlobs();
  }

  /** Saves the index after recordLayerBlob calls that no image creation follows. */
  saveIndex(): Promise<void> {
    return this.index.save();
  }

  /**
   * Finds an image as Docker does: by reference (`busybox` is `busybox:latest`), by full id, or
   * by a unique id prefix. Throws NotFound `No such image: <ref>`.
   */
  resolve(refOrId: string): Image {
    return this.toImage(this.lookup(refOrId));
  }

  list(): Image[] {
    return [...this.index.images.keys()].map((id) => this.toImage(id));
  }

  /**
   * POST /images/create?fromSrc=-: `body` is a filesystem tar, maybe gzip, bzip2, xz or zstd
   * compressed. It becomes a one-layer image with `changes` applied to an empty config.
   */
  async import(body: Readable, options: ImportOptions = {}): Promise<Image> {
    const { signal } = options;
    // Everything that can be refused is checked before the body is read.
    let target: Reference | undefined;
    if (options.repo) {
      target = parseReference(options.repo);
      if (target.digest !== undefined) throw new InvalidArgument('cannot import digest reference');
      if (options.tag) target = withTag(target, options.tag);
    }
    const execConfig = applyChanges({}, options.changes ?? []);
    const tar = await decompressStream(body);
    const { digest: diffId } = await this.content.ingest(tar, { signal });
    // A base layer's chain id is its diff id: one hold keeps blob and layer from a collection.
    const release = this.hold([diffId]);
    let layer: AppliedLayer;
    try {
      layer = await this.applyLayer('', await this.content.readStream(diffId), { diffId, fromDiffIdBlob: true, signal });
    } catch (err) {
      release();
      const used = [...this.configs.values()].some((e) => e.config.rootfs.diff_ids.includes(diffId));
      if (!used) await this.content.delete(diffId).catch(() => {});
      throw err;
    }
    const created = new Date().toISOString();
    const comment = options.message || 'Imported from -';
    const config: ImageConfig = {
      architecture: hostArchitecture(),
      comment,
      config: execConfig,
      created,
      history: [{ created, comment }],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    };
    try {
      return await this.create(Buffer.from(JSON.stringify(config)), { tags: target ? [familiarName(target)] : [] });
    } finally {
      release();
    }
  }

  /**
   * Unpacks an uncompressed layer tar on top of the layer `parentChainId` ('' for a base layer)
   * and records its size: one pass for a pull. The bytes are hashed while unpacking and a
   * mismatch with `diffId` leaves no layer. An existing layer is not unpacked again; the tar is
   * destroyed unread then.
   */
  async applyLayer(parentChainId: string, tar: Readable, options: ApplyLayerOptions): Promise<AppliedLayer> {
    const { diffId, signal } = options;
    const chainId = chainOf(parentChainId, diffId);
    let size = this.index.layers.get(chainId)?.size;
    let tarSize = 0;
    let unpacked = false;
    await this.snapshotter.createLayer(chainId, parentChainId, async (dir) => {
      const hash = options.fromDiffIdBlob ? undefined : createHash('sha256');
      const counting = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash?.update(chunk);
          tarSize += chunk.length;
          cb(null, chunk);
        },
      });
      tar.on('error', (err) => counting.destroy(err));
      try {
        const result = await unpackLayer(tar.pipe(counting), dir, { signal, log: this.log });
        const got = hash ? `sha256:${hash.digest('hex')}` : diffId;
        if (got !== diffId) throw new InvalidArgument(`layer diff id mismatch: expected "${diffId}", got "${got}"`);
        if (options.verify) await options.verify();
        size = result.size;
        unpacked = true;
      } catch (err) {
        throw withContext(`unpack layer "${diffId}"`, err);
      }
    });
    if (!unpacked) tar.destroy();
    if (size === undefined) size = 0;
    if (!this.index.layers.has(chainId) || unpacked) {
      this.index.layers.set(chainId, unpacked ? { size, tarSize } : { size });
      await this.index.save();
    }
    return { diffId, chainId, size };
  }

  /**
   * Registers an image whose layers are in the snapshotter: stores the config blob (the id is
   * its digest) and points `tags` and `repoDigests` at it.
   */
  async create(config: Uint8Array | ImageConfig, options: CreateImageOptions = {}): Promise<Image> {
    const bytes = config instanceof Uint8Array ? Buffer.from(config) : Buffer.from(JSON.stringify(config));
    const entry = parseConfig(bytes);
    const top = entry.chain.at(-1);
    if (top !== undefined && !this.snapshotter.hasLayer(top)) throw new NotFound(`create image: layer "${top}" has not been unpacked`);
    const refs = [...(options.tags ?? []).map((t) => normalizeReference(t)), ...(options.repoDigests ?? []).map((d) => parseReference(d))];
    for (const r of options.tags ?? []) checkTaggable(normalizeReference(r), false);
    for (const r of options.repoDigests ?? []) checkTaggable(parseReference(r), true);
    const { digest: id } = await this.content.put(bytes);
    this.configs.set(id, entry);
    const rec = this.index.images.get(id) ?? { lastTagTime: '', parent: options.parent ?? '' };
    if (refs.length > 0) rec.lastTagTime = new Date().toISOString();
    if (options.manifest && !(rec.manifests ?? []).includes(options.manifest)) rec.manifests = [...(rec.manifests ?? []), options.manifest];
    this.index.images.set(id, rec);
    for (const r of refs) this.index.setRef(r, id);
    await this.index.save();
    return this.toImage(id);
  }

  /** `docker tag`: points `newRef` (normalized, `latest` by default) at the image. */
  async tag(refOrId: string, newRef: string): Promise<void> {
    const id = this.lookup(refOrId);
    const ref = parseReference(newRef);
    checkTaggable(ref, false);
    if (ref.tag === undefined) ref.tag = 'latest';
    this.index.setRef(ref, id);
    this.index.images.get(id)!.lastTagTime = new Date().toISOString();
    await this.index.save();
  }

  /** `docker rmi`, with Docker's rules for untagging, conflicts and the items it reports. */
  async remove(refOrId: string, options: RemoveImageOptions = {}): Promise<ImageDeleteItem[]> {
    return this.removeImage(refOrId, options, { reclaimed: 0 });
  }

  private async removeImage(refOrId: string, options: RemoveImageOptions, stats: { reclaimed: number }): Promise<ImageDeleteItem[]> {
    const force = options.force ?? false;
    const id = this.lookup(refOrId);
    const records: ImageDeleteItem[] = [];
    let repoRefs = this.index.refsOf(id);
    let removedRepositoryRef = false;

    if (!isImageIdPrefix(id, refOrId)) {
      if (!force && isSingleReference(repoRefs)) {
        const users = [...(options.runningBy?.(id) ?? []), ...(options.usedBy?.(id) ?? [])];
        if (users.length > 0) throw usedByContainerConflict(refOrId, users[0]!, id);
      }
      const ref = this.deleteRef(normalizeReference(refOrId), id);
      records.push({ untagged: familiarName(ref) });
      repoRefs = this.index.refsOf(id);
      // Untagging the last tag of a repository drops its digest references too.
      if (ref.digest === undefined) {
        const name = repositoryName(ref);
        const tagLeft = repoRefs.some((r) => r.digest === undefined && repositoryName(r) === name);
        if (!tagLeft) {
          for (const r of repoRefs) {
            if (r.digest !== undefined && repositoryName(r) === name) {
              this.index.deleteRef(r);
              records.push({ untagged: familiarName(r) });
            }
          }
          repoRefs = this.index.refsOf(id);
        }
      }
      if (repoRefs.length > 0) {
        await this.index.save();
        return records;
      }
      removedRepositoryRef = true;
    } else if (isSingleReference(repoRefs)) {
      const conflict = this.deleteConflict(id, { hard: true, soft: !force, activeReference: false }, options);
      if (conflict) throw deleteConflict(id, conflict.hard, conflict.reason);
      for (const r of repoRefs) {
        this.index.deleteRef(r);
        records.push({ untagged: familiarName(r) });
      }
    }

    await this.deleteHelper(id, records, { force, prune: !(options.noPrune ?? false), quiet: removedRepositoryRef }, options, stats);
    return records;
  }

  /** `docker image prune`: images no container uses, only untagged ones when `dangling`. */
  async prune(options: PruneImagesOptions = {}): Promise<PruneImagesResult> {
    const dangling = options.dangling ?? true;
    const children = new Set([...this.index.images.values()].map((r) => r.parent).filter((p) => p !== ''));
    const deleted: ImageDeleteItem[] = [];
    const stats = { reclaimed: 0 };
    for (const id of [...this.index.images.keys()]) {
      if (!this.index.images.has(id) || children.has(id)) continue;
      if ((options.usedBy?.(id) ?? []).length > 0 || (options.runningBy?.(id) ?? []).length > 0) continue;
      if (options.filter && !options.filter(this.toImage(id))) continue;
      const refs = this.index.refsOf(id);
      const attempts = refs.length === 0
        ? [id.slice('sha256:'.length)]
        : !dangling || !refs.some((r) => r.tag !== undefined)
          ? refs.map((r) => familiarName(r))
          : [];
      for (const ref of attempts) {
        try {
          deleted.push(...(await this.removeImage(ref, { usedBy: options.usedBy, runningBy: options.runningBy }, stats)));
        } catch (err) {
          if (!(err instanceof Conflict) && !(err instanceof NotFound)) throw err;
          this.log.debug('prune skipped image', { ref, error: messageOf(err) });
        }
      }
    }
    return { deleted, spaceReclaimed: stats.reclaimed };
  }

  private lookup(refOrId: string): Digest {
    const full = /^[a-f0-9]{64}$/.test(refOrId) ? `sha256:${refOrId}` : refOrId;
    if (isDigest(full)) {
      if (this.index.images.has(full)) return full;
      throw noSuchImage(refOrId);
    }
    const ref = parseReference(refOrId);
    const byRef = this.index.getRef(ref.digest !== undefined ? { domain: ref.domain, path: ref.path, digest: ref.digest } : normalizeReference(refOrId));
    if (byRef !== undefined && this.index.images.has(byRef)) return byRef;
    const m = idPrefixRe.exec(refOrId);
    if (m) {
      const prefix = `sha256:${m[1]}`;
      let found: Digest | undefined;
      for (const id of this.index.images.keys()) {
        if (!id.startsWith(prefix)) continue;
        if (found !== undefined) throw noSuchImage(refOrId);
        found = id;
      }
      if (found !== undefined) return found;
    }
    throw noSuchImage(refOrId);
  }

  private toImage(id: Digest): Image {
    const rec = this.index.images.get(id);
    const entry = this.configs.get(id);
    if (!rec || !entry) throw noSuchImage(id);
    const refs = this.index.refsOf(id);
    let size = 0;
    for (const c of entry.chain) size += this.index.layers.get(c)?.size ?? 0;
    return {
      id,
      config: entry.config,
      repoTags: refs.filter((r) => r.digest === undefined).map((r) => familiarName(r)).sort(),
      repoDigests: refs.filter((r) => r.digest !== undefined).map((r) => familiarName(r)).sort(),
      chainId: entry.chain.at(-1) ?? '',
      size,
      created: entry.config.created ?? '',
      lastTagTime: rec.lastTagTime,
      parent: rec.parent,
    };
  }

  /** Docker's removeImageRef: the reference must point at `id`. */
  private deleteRef(ref: Reference, id: Digest): Reference {
    const key = ref.digest !== undefined ? { domain: ref.domain, path: ref.path, digest: ref.digest } : ref;
    if (this.index.getRef(key) !== id || !this.index.deleteRef(key)) throw noSuchImage(familiarName(ref));
    return key;
  }

  private deleteConflict(id: Digest, mask: { hard: boolean; soft: boolean; activeReference: boolean }, users: ImageUsers): DeleteConflict | undefined {
    if (mask.hard) {
      for (const rec of this.index.images.values()) {
        if (rec.parent === id) return { hard: true, used: false, reason: 'image has dependent child images' };
      }
      const running = users.runningBy?.(id) ?? [];
      if (running.length > 0) return { hard: true, used: true, reason: `image is being used by running container ${running[0]!.slice(0, 12)}` };
    }
    if (mask.soft) {
      if (mask.activeReference && this.index.refsOf(id).length > 0) {
        return { hard: false, used: false, reason: 'image is referenced in multiple repositories' };
      }
      const running = new Set(users.runningBy?.(id) ?? []);
      const stopped = (users.usedBy?.(id) ?? []).filter((c) => !running.has(c));
      if (stopped.length > 0) return { hard: false, used: true, reason: `image is being used by stopped container ${stopped[0]!.slice(0, 12)}` };
    }
    return undefined;
  }

  /** Docker's imageDeleteHelper: the conflicts, then the references, the image and its layers. */
  private async deleteHelper(
    id: Digest,
    records: ImageDeleteItem[],
    opts: { force: boolean; prune: boolean; quiet: boolean },
    users: ImageUsers,
    stats: { reclaimed: number },
  ): Promise<void> {
    const conflict = this.deleteConflict(id, { hard: true, soft: !opts.force, activeReference: true }, users);
    if (conflict) {
      // References removed so far stay removed, as in Docker.
      await this.index.save();
      const dangling = this.index.refsOf(id).length === 0 && ![...this.index.images.values()].some((r) => r.parent === id);
      if (opts.quiet && (!dangling || conflict.used)) return;
      throw deleteConflict(id, conflict.hard, conflict.reason);
    }
    for (const r of this.index.refsOf(id)) {
      this.index.deleteRef(r);
      records.push({ untagged: familiarName(r) });
    }
    const parent = this.index.images.get(id)?.parent ?? '';
    const manifests = this.index.images.get(id)?.manifests ?? [];
    const entry = this.configs.get(id);
    this.index.images.delete(id);
    this.configs.delete(id);
    await this.index.save();
    await this.content.delete(id);
    const stillUsed = new Set([...this.index.images.values()].flatMap((r) => r.manifests ?? []));
    for (const m of manifests) if (!stillUsed.has(m) && isDigest(m)) await this.content.delete(m);
    records.push({ deleted: id });
    if (entry) stats.reclaimed += await this.removeChain(entry, records);

    if (!opts.prune || !isDigest(parent) || !this.index.images.has(parent)) return;
    // Docker prunes the parents that the removal left untagged and childless, quietly.
    const parentUnused = this.index.refsOf(parent).length === 0
      && ![...this.index.images.values()].some((r) => r.parent === parent);
    if (parentUnused) {
      try {
        await this.deleteHelper(parent, records, { force: false, prune: true, quiet: true }, users, stats);
      } catch (err) {
        if (!(err instanceof Conflict)) throw err;
      }
    }
  }

  /** Removes the image's layers top down until one is still used by an image, a child or a container. */
  private async removeChain(entry: ConfigEntry, records: ImageDeleteItem[]): Promise<number> {
    const used = this.usedChains();
    const usedDiffIds = new Set<string>();
    for (const e of this.configs.values()) for (const d of e.config.rootfs.diff_ids) usedDiffIds.add(d);
    let changed = false;
    let reclaimed = 0;
    for (let i = entry.chain.length - 1; i >= 0; i--) {
      const chainId = entry.chain[i]!;
      if (used.has(chainId)) break;
      try {
        await this.snapshotter.removeLayer(chainId);
      } catch (err) {
        if (err instanceof Conflict) break;
        throw err;
      }
      records.push({ deleted: chainId });
      reclaimed += this.index.layers.get(chainId)?.size ?? 0;
      changed = this.index.layers.delete(chainId) || changed;
      const diffId = entry.config.rootfs.diff_ids[i]!;
      if (!usedDiffIds.has(diffId)) {
        await this.content.delete(diffId);
        for (const b of this.index.blobs.get(diffId) ?? []) if (isDigest(b.digest)) await this.content.delete(b.digest);
        this.index.blobs.delete(diffId);
        changed = true;
      }
    }
    if (changed) await this.index.save();
    return reclaimed;
  }

  private usedChains(): Set<string> {
    const used = new Set<string>();
    for (const e of this.configs.values()) for (const c of e.chain) used.add(c);
    return used;
  }

  private async removeUnusedLayers(): Promise<void> {
    const used = this.usedChains();
    const layers = this.snapshotter.layers();
    const hasChild = (c: string) => layers.some((l) => l.parent === c);
    let removed = true;
    // Leaves first: a layer is removable once its children are gone.
    while (removed) {
      removed = false;
      for (const l of layers) {
        if (used.has(l.chainId) || this.held.has(l.chainId) || !this.snapshotter.hasLayer(l.chainId) || hasChild(l.chainId)) continue;
        try {
          await this.snapshotter.removeLayer(l.chainId);
        } catch (err) {
          if (err instanceof Conflict) continue;
          throw err;
        }
        this.log.info('removed unused layer', { chainId: l.chainId });
        this.index.layers.delete(l.chainId);
        layers.splice(layers.indexOf(l), 1);
        removed = true;
        break;
      }
    }
    let stale = false;
    for (const chainId of [...this.index.layers.keys()]) {
      if (!this.snapshotter.hasLayer(chainId)) {
        this.index.layers.delete(chainId);
        stale = true;
      }
    }
    if (stale || removed) await this.index.save();
  }

  /**
   * Deletes blobs no image references (what a crash during a pull, import or load left) and
   * forgets the compressed blobs of layers no image uses. Referenced: configs, their manifests, and per
   * layer of an image its uncompressed (diff id) and compressed blobs.
   */
  private async removeUnusedBlobs(): Promise<void> {
    const used = new Set<string>();
    const usedDiffIds = new Set<string>();
    for (const [id, rec] of this.index.images) {
      used.add(id);
      for (const m of rec.manifests ?? []) used.add(m);
      for (const d of this.configs.get(id)?.config.rootfs.diff_ids ?? []) usedDiffIds.add(d);
    }
    const present = new Set((await this.content.list()).map((b) => b.digest as string));
    let changed = false;
    for (const [diffId, blobs] of [...this.index.blobs]) {
      // Records of blobs that are not here stay: they say which repositories have them (for mounts).
      const kept = usedDiffIds.has(diffId) || this.held.has(diffId) ? blobs : [];
      if (kept.length !== blobs.length) changed = true;
      if (kept.length) this.index.blobs.set(diffId, kept);
      else this.index.blobs.delete(diffId);
    }
    for (const d of usedDiffIds) used.add(d);
    for (const blobs of this.index.blobs.values()) for (const b of blobs) used.add(b.digest);
    for (const d of present) {
      if (used.has(d) || this.held.has(d) || !isDigest(d)) continue;
      this.log.info('removing unused blob', { digest: d });
      await this.content.delete(d);
    }
    for (const rec of this.index.images.values()) {
      const kept = (rec.manifests ?? []).filter((m) => present.has(m));
      if (kept.length !== (rec.manifests ?? []).length) {
        rec.manifests = kept;
        changed = true;
      }
    }
    if (changed) await this.index.save();
  }
}

function chainOf(parent: string, diffId: Digest): string {
  return parent === '' ? diffId : sha256Digest(`${parent} ${diffId}`);
}

function parseConfig(bytes: Buffer): ConfigEntry {
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw new InvalidArgument(`invalid image config: ${messageOf(err)}`, { cause: err });
  }
  if (typeof config !== 'object' || config === null || config.rootfs?.type !== 'layers' || !Array.isArray(config.rootfs.diff_ids)) {
    throw new InvalidArgument('invalid image config: rootfs must have type "layers" and diff_ids');
  }
  for (const d of config.rootfs.diff_ids) {
    if (typeof d !== 'string' || !isDigest(d)) throw new InvalidArgument(`invalid image config: diff id "${String(d)}"`);
  }
  return { config, chain: chainIds(config.rootfs.diff_ids) };
}

function checkTaggable(ref: Reference, allowDigest: boolean): void {
  if (ref.digest !== undefined && !allowDigest) throw new InvalidArgument('refusing to create a tag with a digest reference');
  if (ref.digest === undefined && allowDigest) throw new InvalidArgument(`invalid repo digest "${familiarName(ref)}": no digest`);
  if (ref.domain === 'docker.io' && ref.path === 'library/sha256') {
    throw new InvalidArgument('refusing to create an ambiguous tag using digest algorithm as name');
  }
}

/** Docker's isImageIDPrefix: `refOrId` names the image by id rather than by reference. */
function isImageIdPrefix(id: string, refOrId: string): boolean {
  return id.startsWith(refOrId) || id.slice('sha256:'.length).startsWith(refOrId);
}

/**
 * Docker's isSingleReference: exactly one tag (plus digest references of the same repository),
 * or only digest references of one repository.
 */
function isSingleReference(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: Reference | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.digest !== undefined) canonical.add(repositoryName(r));
    else if (single === undefined) single = r;
    else return false;
  }
  single ??= refs[0]!;
  return canonical.size === 1 && canonical.has(repositoryName(single));
}
