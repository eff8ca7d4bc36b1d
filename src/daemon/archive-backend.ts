import type { Readable } from 'node:stream';
import type { ArchiveBackend } from '../api/routes/archive.js';
import type { ContainerPathStat, FilesystemChange } from '../api/types/index.js';
import { Forbidden, NotFound } from '../common/errors.js';
import { ConfinedRoot } from '../container/confined-root.js';
import { archivePath, extractArchive, notFoundIn, statPath } from '../container/container-archive.js';
import { containerChanges } from '../container/container-changes.js';
import type { ContainerRecord } from '../container/container.js';
import type { ContainerService } from '../container/container-service.js';
import { mountRootfsView, mountRootfsWritable } from '../container/rootfs-view.js';
import { resolveUser } from '../container/user-lookup.js';
import { decompressStream } from '../image/decompress-stream.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

function layerDirs(options: string[]): { upper: string; lowers: string[] } {
  const get = (k: string) => options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
  return { upper: get('upperdir'), lowers: get('lowerdir').split(':').filter(Boolean) };
}

/**
 * `docker cp` and `docker diff` over a container's files. A running container's root is its
 * init's /proc/<pid>/root (its own mounts included); a stopped one's is its overlay, mounted
 * privately for the copy. Every path is looked up confined to that root.
 */
export class ContainerArchiveBackend implements ArchiveBackend {
  constructor(private readonly containers: ContainerService, private readonly snapshots: Snapshotter) {}

  private async open(rec: ContainerRecord, writable: boolean): Promise<{ root: ConfinedRoot; release: () => Promise<void> }> {
    const st = rec.state.status;
    if ((st === 'running' || st === 'paused') && this.containers.task(rec.id) && rec.state.pid > 0) {
      const root = await ConfinedRoot.open(`/proc/${rec.state.pid}/root`);
      return { root, release: () => root.close() };
    }
    const [m] = await this.snapshots.mounts(rec.id);
    if (!m) throw new NotFound(`the root filesystem of container ${rec.id} is gone`);
    const what = `copy files of container ${rec.id}`;
    const mounted = await (writable ? mountRootfsWritable(m, what) : mountRootfsView(m, what));
    try {
      const root = await ConfinedRoot.open(mounted.dir);
      return { root, release: async () => {
        await root.close();
        await mounted.release();
      } };
    } catch (err) {
      await mounted.release();
      throw err;
    }
  }

  async statPath(ref: string, path: string): Promise<ContainerPathStat> {
    const rec = this.containers.resolve(ref);
    const { root, release } = await this.open(rec, false);
    try {
      return await statPath(root, path).catch((err: unknown) => notFoundIn(path, rec.id, err));
    } finally {
      await release();
    }
  }

  async getArchive(ref: string, path: string, signal: AbortSignal): Promise<{ stat: ContainerPathStat; tar: Readable }> {
    const rec = this.containers.resolve(ref);
    const { root, release } = await this.open(rec, false);
    let tar: Readable;
    let stat: ContainerPathStat;
    try {
      stat = await statPath(root, path).catch((err: unknown) => notFoundIn(path, rec.id, err));
      tar = archivePath(root, path, signal);
    } catch (err) {
      await release();
      throw err;
    }
    let done = false;
    const finish = () => {
      if (!done) void release().catch(() => {});
      done = true;
    };
    tar.once('end', finish);
    tar.once('close', finish);
    tar.once('error', finish);
    this.containers.event(rec, 'archive-path');
    return { stat, tar };
  }

  async putArchive(ref: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }, signal: AbortSignal): Promise<void> {
    const rec = this.containers.resolve(ref);
    if (rec.hostConfig.readonlyRootfs) throw new Forbidden('container rootfs is marked read-only');
    let owner: { uid: number; gid: number } | undefined;
    if (o.copyUIDGID) {
      const [m] = await this.snapshots.mounts(rec.id);
      const { upper, lowers } = layerDirs(m?.options ?? []);
      const u = await resolveUser(rec.config.user, [upper, ...lowers].filter(Boolean), []);
      owner = { uid: u.uid, gid: u.gid };
    }
    // A stopped container's root is mounted here as its start would mount it: the two must not
    // overlap, so the state is looked at (running or not) only once no start is under way.
    await this.containers.withRootfsLock(rec.id, async () => {
      // Removed while this waited: Docker's "No such container".
      this.containers.resolve(rec.id);
      const { root, release } = await this.open(rec, true);
      try {
        // Decompressed here, by berthd's own code and the host's tools, never by anything of the image's.
        const input = await decompressStream(body);
        await extractArchive(root, path, input, { noOverwriteDirNonDir: o.noOverwriteDirNonDir, ...(owner ? { owner } : {}), signal })
          .catch((err: unknown) => notFoundIn(path, rec.id, err));
      } finally {
        await release();
      }
    });
    this.containers.event(rec, 'extract-to-dir');
  }

  async changes(ref: string): Promise<FilesystemChange[]> {
    const rec = this.containers.resolve(ref);
    const [m] = await this.snapshots.mounts(rec.id);
    const { upper, lowers } = layerDirs(m?.options ?? []);
    if (!upper) throw new NotFound(`the writable layer of container ${rec.id} is gone`);
    return (await containerChanges(upper, lowers)).map((c) => ({ Path: c.path, Kind: c.kind }));
  }
}
