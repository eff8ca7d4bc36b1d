import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { isDigest, sha256Digest, type Digest } from '../common/digest.js';
import { Conflict, InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { ContentStore } from '../content/content-store.js';
import { chainIds, hostArchitecture, type ImageConfig } from '../oci/image.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { applyChanges } from './apply-changes.js';
import { decompressStream } from './decompress-stream.js';
import { deleteConflict, noSuchImage, usedByContainerConflict, withContext } from './errors.js';
import type { Image, ImageDeleteItem } from './image.js';
import { ImageIndex } from './image-index.js';
import { unpackLayer } from './layer-unpacker.js';
import { familiarName, normalizeReference, parseReference, repositoryName, withTag, type Reference } from './reference.js';

export interface ImageServiceDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
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
  private readonly content: ContentStore;
  private readonly snapshotter: Snapshotter;
  private readonly log: Logger;

  private constructor(private readonly index: ImageIndex, deps: ImageServiceDeps) {
    this.content = deps.content;
    this.snapshotter = deps.snapshotter;
    this.log = deps.log ?? silentLogger;
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
    return svc;
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
    let layer: AppliedLayer;
    try {
      layer = await this.applyLayer('', await this.content.readStream(diffId), { diffId, signal });
    } catch (err) {
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
    return this.create(Buffer.from(JSON.stringify(config)), { tags: target ? [familiarName(target)] : [] });
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
    let unpacked = false;
    await this.snapshotter.createLayer(chainId, parentChainId, async (dir) => {
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      tar.on('error', (err) => hashing.destroy(err));
      try {
        const result = await unpackLayer(tar.pipe(hashing), dir, { signal, log: this.log });
        const got = `sha256:${hash.digest('hex')}`;
        if (got !== diffId) throw new InvalidArgument(`layer diff id mismatch: expected "${diffId}", got "${got}"`);
        size = result.size;
        unpacked = true;
      } catch (err) {
        throw withContext(`unpack layer "${diffId}"`, err);
      }
    });
    if (!unpacked) tar.destroy();
    if (size === undefined) size = 0;
    if (!this.index.layers.has(chainId) || unpacked) {
      this.index.layers.set(chainId, { size });
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
    const entry = this.configs.get(id);
    this.index.images.delete(id);
    this.configs.delete(id);
    await this.index.save();
    await this.content.delete(id);
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
      if (!usedDiffIds.has(diffId)) await this.content.delete(diffId);
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
        if (used.has(l.chainId) || !this.snapshotter.hasLayer(l.chainId) || hasChild(l.chainId)) continue;
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
