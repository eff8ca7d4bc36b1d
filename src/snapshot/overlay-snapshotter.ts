import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWriteJson } from '../common/atomic-write.js';
import { bootId } from '../common/boot-id.js';
import { backgroundFlush, type BackgroundFlush } from '../common/background-flush.js';
import { Conflict, InvalidArgument, NotFound, errnoCode, isNotFoundError, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { syncFilesystem } from '../common/sync-filesystem.js';
import type { Mount } from './mount.js';
import type { LayerInfo, Snapshotter, Usage } from './snapshotter.js';

export interface OverlaySnapshotterOptions {
  log?: Logger;
  /**
   * Flush new layers' files to disk (syncfs), so that a power loss cannot leave a layer with
   * empty files; see "Durability" in the class comment. On by default; Docker does not do this.
   */
  syncLayers?: boolean;
}

interface LayerRecord {
  id: number;
  parent: string;
  /** Set while the layer's files may not be on disk yet: the boot id of when it was committed. */
  unsynced?: string;
}

interface IndexFile {
  version: 1;
  next: number;
  layers: Record<string, LayerRecord>;
}

interface ActiveRecord {
  /** Layer number of the parent, 0 for none. */
  parentId: number;
  dir: string;
}

const keyRe = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const layerDirRe = /^[1-9][0-9]*$/;

/**
 * Overlayfs snapshots under the snapshotter's directory (`<data-root>/snapshots` in the daemon):
 *
 *   index.json              {next, layers: {<chainId>: {id, parent}}}, written atomically
 *   <n>/fs                  committed layer n: its diff, with overlay whiteouts
 *   empty/                  the lower dir of a container whose image has no layers
 *   active/<key>@<n>/fs     upper dir of writable snapshot `key` on layer n (0: none)
 *   active/<key>@<n>/work   its overlay work dir
 *   tmp/                    layers being filled and directories being removed
 *
 * Layer directories are short numbers because overlayfs takes all lower dirs in one page of
 * mount data. A layer is visible once it is renamed from tmp/ to <n> and recorded in the index;
 * open() removes numbered directories the index does not know, and everything in tmp/.
 * A writable snapshot is complete once its work dir exists (it is made last); the parent is in
 * the directory name so that prepare is three mkdirs and nothing else.
 *
 * Durability: a pull should not wait for its files to reach the disk (a syncfs of a large layer
 * takes longer than unpacking it), yet a power loss must not leave a layer whose files came back
 * empty. So a layer is committed at once, marked `unsynced` with the boot id, and flushed in the
 * background (one syncfs for the layers committed meanwhile); the mark goes once the flush is
 * done. open() in the same boot only finishes the flush (the page cache kept the files); open()
 * after a reboot removes every layer still marked, and the layers above them, as if their pulls
 * had not finished. Nothing is built on a marked layer: prepare() waits for the flush first.
 */
export class OverlaySnapshotter implements Snapshotter {
  private readonly layerMap = new Map<string, LayerRecord>();
  private readonly byId = new Map<number, string>();
  private readonly active = new Map<string, ActiveRecord>();
  private readonly creating = new Map<string, Promise<void>>();
  /** Parents pinned by layers being created, so that they cannot be removed meanwhile. */
  private readonly pinned = new Map<string, number>();
  private next = 1;
  private saving: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly syncLayers: boolean;
  private readonly flusher: BackgroundFlush;
  private indexOff = false;

  private constructor(readonly root: string, options: OverlaySnapshotterOptions) {
    this.log = options.log ?? silentLogger;
    this.syncLayers = options.syncLayers ?? true;
    this.flusher = backgroundFlush({
      pending: () => [...this.layerMap].filter(([, r]) => r.unsynced !== undefined).map(([c]) => c),
      flush: () => syncFilesystem(this.root),
      onError: (err) => this.log.warn('flush layers to disk', { error: messageOf(err) }),
      flushed: async (chainIds) => {
        for (const c of chainIds) {
          const rec = this.layerMap.get(c);
          if (rec) delete rec.unsynced;
        }
        await this.saveIndex();
      },
    });
  }

  /**
   * Opens (creating if needed) the snapshots in `dir` and removes crash leftovers. Keep `dir`
   * short: every lower dir path of a mount is under it.
   */
  static async open(dir: string, options: OverlaySnapshotterOptions = {}): Promise<OverlaySnapshotter> {
    const s = new OverlaySnapshotter(resolve(dir), options);
    await s.load();
    return s;
  }

  private get indexPath(): string {
    return join(this.root, 'index.json');
  }

  private get tmpDir(): string {
    return join(this.root, 'tmp');
  }

  private get activeDir(): string {
    return join(this.root, 'active');
  }

  private get emptyDir(): string {
    return join(this.root, 'empty');
  }

  private async load(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await rm(this.tmpDir, { recursive: true, force: true });
    await Promise.all([this.tmpDir, this.activeDir, this.emptyDir].map((d) => mkdir(d, { recursive: true, mode: 0o755 })));

    let index: IndexFile = { version: 1, next: 1, layers: {} };
    try {
      index = JSON.parse(await readFile(this.indexPath, 'utf8')) as IndexFile;
    } catch (err) {
      if (!isNotFoundError(err)) throw new InvalidArgument(`read snapshot index "${this.indexPath}": ${messageOf(err)}`, { cause: err });
    }
    for (const [chainId, rec] of Object.entries(index.layers)) {
      this.layerMap.set(chainId, rec);
      this.byId.set(rec.id, chainId);
    }
    const lost = this.layersLostToReboot();
    if (lost.length > 0) {
      for (const chainId of lost) {
        const rec = this.layerMap.get(chainId)!;
        this.log.warn('removing a layer whose files were not flushed to disk before the machine restarted; pull or build its image again', { chainId });
        this.layerMap.delete(chainId);
        this.byId.delete(rec.id);
      }
      await this.saveIndex();
    }
    let next = Math.max(1, index.next);
    for (const name of await readdir(this.root)) {
      if (!layerDirRe.test(name)) continue;
      const id = Number(name);
      next = Math.max(next, id + 1);
      if (!this.byId.has(id)) {
        this.log.info('removing unfinished layer directory', { dir: join(this.root, name) });
        await rm(join(this.root, name), { recursive: true, force: true });
      }
    }
    this.next = next;

    for (const name of await readdir(this.activeDir)) {
      const dir = join(this.activeDir, name);
      const at = name.lastIndexOf('@');
      const key = name.slice(0, at);
      const parentId = Number(name.slice(at + 1));
      const complete = at > 0 && keyRe.test(key) && Number.isInteger(parentId) && (await isDir(join(dir, 'work')));
      if (!complete) {
        this.log.info('removing unfinished snapshot', { dir });
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (parentId !== 0 && !this.byId.has(parentId)) this.log.warn('snapshot on a missing layer', { key, layer: parentId });
      this.active.set(key, { parentId, dir });
    }

    try {
      this.indexOff = (await readFile('/sys/module/overlay/parameters/index', 'utf8')).trim() === 'Y';
    } catch {
      this.indexOff = false;
    }
    if ([...this.layerMap.values()].some((r) => r.unsynced !== undefined)) this.flusher.soon();
  }

  /** Layers marked unsynced in an earlier boot, and every layer above one of them. */
  private layersLostToReboot(): string[] {
    const boot = bootId();
    const lost = new Set<string>();
    const isLost = (chainId: string): boolean => {
      if (lost.has(chainId)) return true;
      const rec = this.layerMap.get(chainId);
      if (!rec) return false;
      if ((rec.unsynced !== undefined && rec.unsynced !== boot) || (rec.parent !== '' && isLost(rec.parent))) {
        lost.add(chainId);
        return true;
      }
      return false;
    };
    for (const chainId of this.layerMap.keys()) isLost(chainId);
    return [...lost];
  }

  /** Flushes the layers not yet on disk now (at shutdown: a reboot after it must not drop them). */
  flush(): Promise<void> {
    return this.flusher.now();
  }

  /** Resolves once the layer and those below it are on disk. */
  private async ensureDurable(chainId: string): Promise<void> {
    for (let c = chainId; c !== ''; c = this.layerMap.get(c)?.parent ?? '') {
      if (this.layerMap.get(c)?.unsynced !== undefined) {
        await this.flusher.now();
        return this.ensureDurable(chainId);
      }
    }
  }

  hasLayer(chainId: string): boolean {
    return this.layerMap.has(chainId);
  }

  layers(): LayerInfo[] {
    return [...this.layerMap].map(([chainId, rec]) => ({ chainId, parent: rec.parent }));
  }

  layerDirs(chainId: string): string[] {
    const dirs: string[] = [];
    for (let c = chainId; c !== ''; ) {
      const rec = this.layerMap.get(c);
      if (!rec) throw new NotFound(`layer "${c}": not found`);
      dirs.push(this.layerFsDir(rec.id));
      c = rec.parent;
    }
    return dirs;
  }

  async createLayer(chainId: string, parentChainId: string, fill: (dir: string) => Promise<void>): Promise<void> {
    for (;;) {
      const pending = this.creating.get(chainId);
      if (!pending) break;
      await pending.catch(() => {});
    }
    if (this.layerMap.has(chainId)) return;
    if (chainId === '' || chainId.includes('/')) throw new InvalidArgument(`invalid chain id "${chainId}"`);
    const parentPending = parentChainId === '' ? undefined : this.creating.get(parentChainId);
    if (parentChainId !== '' && !parentPending && !this.layerMap.has(parentChainId)) throw new NotFound(`layer "${parentChainId}": not found`);
    const work = this.doCreateLayer(chainId, parentChainId, fill, parentPending);
    this.creating.set(chainId, work);
    try {
      await work;
    } finally {
      this.creating.delete(chainId);
    }
  }

  private async doCreateLayer(chainId: string, parent: string, fill: (dir: string) => Promise<void>, parentPending: Promise<void> | undefined): Promise<void> {
    const id = this.next++;
    const staging = join(this.tmpDir, `${id}`);
    this.pin(parent, 1);
    try {
      await mkdir(join(staging, 'fs'), { recursive: true, mode: 0o755 });
      try {
        await fill(join(staging, 'fs'));
        // A layer's diff does not depend on its parent's: only the commit waits for the parent.
        if (parentPending) {
          await parentPending.catch((err: unknown) => {
            throw new NotFound(`layer "${parent}": not created: ${messageOf(err)}`, { cause: err });
          });
          if (!this.layerMap.has(parent)) throw new NotFound(`layer "${parent}": not found`);
        }
        await rename(staging, join(this.root, `${id}`));
      } catch (err) {
        await rm(staging, { recursive: true, force: true }).catch(() => {});
        throw err;
      }
      this.layerMap.set(chainId, { id, parent, ...(this.syncLayers ? { unsynced: bootId() } : {}) });
      this.byId.set(id, chainId);
      try {
        await this.saveIndex();
        if (this.syncLayers) this.flusher.soon();
      } catch (err) {
        this.layerMap.delete(chainId);
        this.byId.delete(id);
        await rm(join(this.root, `${id}`), { recursive: true, force: true }).catch(() => {});
        throw err;
      }
    } finally {
      this.pin(parent, -1);
    }
  }

  async removeLayer(chainId: string): Promise<void> {
    const rec = this.layerMap.get(chainId);
    if (!rec) return;
    for (const [child, r] of this.layerMap) {
      if (r.parent === chainId) throw new Conflict(`layer "${chainId}" is in use by layer "${child}"`);
    }
    if ((this.pinned.get(chainId) ?? 0) > 0) throw new Conflict(`layer "${chainId}" is in use by a layer being created`);
    for (const [key, a] of this.active) {
      if (a.parentId === rec.id) throw new Conflict(`layer "${chainId}" is in use by snapshot "${key}"`);
    }
    this.layerMap.delete(chainId);
    this.byId.delete(rec.id);
    try {
      await this.saveIndex();
    } catch (err) {
      this.layerMap.set(chainId, rec);
      this.byId.set(rec.id, chainId);
      throw err;
    }
    // Out of the index it is garbage: a crash from here on is cleaned up at open().
    await this.discard(join(this.root, `${rec.id}`));
  }

  async prepare(key: string, parent: string): Promise<Mount[]> {
    if (!keyRe.test(key)) throw new InvalidArgument(`invalid snapshot key "${key}"`);
    if (this.active.has(key)) throw new Conflict(`snapshot "${key}" already exists`);
    let parentId = 0;
    if (parent !== '') {
      const rec = this.layerMap.get(parent);
      if (!rec) throw new NotFound(`layer "${parent}": not found`);
      parentId = rec.id;
      await this.ensureDurable(parent);
    }
    if (this.active.has(key)) throw new Conflict(`snapshot "${key}" already exists`);
    const a: ActiveRecord = { parentId, dir: join(this.activeDir, `${key}@${parentId}`) };
    this.active.set(key, a);
    try {
      await mkdir(a.dir, { mode: 0o700 });
      await mkdir(join(a.dir, 'fs'), { mode: 0o755 });
      await mkdir(join(a.dir, 'work'), { mode: 0o700 });
    } catch (err) {
      this.active.delete(key);
      await rm(a.dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    return this.mountsOf(key, a);
  }

  async mounts(key: string): Promise<Mount[]> {
    const a = this.active.get(key);
    if (!a) throw noSuchSnapshot(key);
    return this.mountsOf(key, a);
  }

  private mountsOf(key: string, a: ActiveRecord): Mount[] {
    let lowers = [this.emptyDir];
    if (a.parentId !== 0) {
      const chainId = this.byId.get(a.parentId);
      if (chainId === undefined) throw new NotFound(`snapshot "${key}": layer ${a.parentId} not found`);
      lowers = this.layerDirs(chainId);
    }
    const options = [`lowerdir=${lowers.join(':')}`, `upperdir=${join(a.dir, 'fs')}`, `workdir=${join(a.dir, 'work')}`];
    // Docker and containerd turn the inode index off where the kernel enables it by default:
    // it ties a lower dir to one upper and makes later mounts of shared layers fail.
    if (this.indexOff) options.push('index=off');
    return [{ type: 'overlay', source: 'overlay', options }];
  }

  async remove(key: string): Promise<void> {
    const a = this.active.get(key);
    if (!a) return;
    this.active.delete(key);
    await this.discard(a.dir);
  }

  async usage(key: string): Promise<Usage> {
    const a = this.active.get(key);
    if (!a) throw noSuchSnapshot(key);
    return diskUsage(join(a.dir, 'fs'));
  }

  keys(): string[] {
    return [...this.active.keys()];
  }

  private layerFsDir(id: number): string {
    return join(this.root, `${id}`, 'fs');
  }

  private pin(chainId: string, delta: number): void {
    if (chainId === '') return;
    const n = (this.pinned.get(chainId) ?? 0) + delta;
    if (n > 0) this.pinned.set(chainId, n);
    else this.pinned.delete(chainId);
  }

  /** Moves a directory out of sight at once, then deletes it; open() finishes an interrupted delete. */
  private async discard(dir: string): Promise<void> {
    const gone = join(this.tmpDir, `rm-${randomBytes(6).toString('hex')}`);
    try {
      await rename(dir, gone);
    } catch (err) {
      if (isNotFoundError(err)) return;
      throw err;
    }
    await rm(gone, { recursive: true, force: true });
  }

  /** Writes the whole index; writes are chained so that the last one holds every change. */
  private saveIndex(): Promise<void> {
    const write = async () => {
      const layers: Record<string, LayerRecord> = {};
      for (const [chainId, rec] of this.layerMap) layers[chainId] = rec;
      const index: IndexFile = { version: 1, next: this.next, layers };
      await atomicWriteJson(this.indexPath, index);
    };
    const p = this.saving.then(write, write);
    this.saving = p.catch(() => {});
    return p;
  }
}

function noSuchSnapshot(key: string): NotFound {
  return new NotFound(`snapshot "${key}": not found`);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch (err) {
    if (isNotFoundError(err)) return false;
    throw err;
  }
}

async function diskUsage(root: string): Promise<Usage> {
  const seen = new Set<bigint>();
  let size = 0;
  let inodes = 0;
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    await Promise.all(names.map(async (name) => {
      const p = join(dir, name);
      const st = await lstat(p, { bigint: true });
      if (seen.has(st.ino)) return;
      seen.add(st.ino);
      inodes++;
      if (st.isDirectory()) await walk(p);
      else size += Number(st.size);
    }));
  };
  await walk(root);
  return { size, inodes };
}
