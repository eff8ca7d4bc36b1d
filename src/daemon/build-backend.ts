/**
 * POST /build and /build/prune: the classic builder (src/build) behind the API, its progress
 * turned into Docker's build messages (`stream`, `aux` with the image id, `errorDetail`).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { BuildBackend as BuildRoutesBackend, BuildQuery, StartedBuild } from '../api/routes/build.js';
import type { Filters } from '../api/routes/system.js';
import type * as Api from '../api/types/index.js';
import { Conflict, NotFound, NotImplemented, messageOf } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { BuildCache } from '../build/build-cache.js';
import { BuildError } from '../build/build-error.js';
import type { BuilderDeps } from '../build/builder.js';
import type { ContainerService } from '../container/container-service.js';
import type { ImageService } from '../image/image-service.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

const execFileP = promisify(execFile);

export class BuildBackend implements BuildRoutesBackend {
  private constructor(private readonly deps: BuilderDeps) {}

  /**
   * Opens the cache under `<dataRoot>/build` and clears what a build cut short by a crash left:
   * mount points, contexts and build snapshots.
   */
  static async open(dataRoot: string, o: { images: ImageService; containers: ContainerService; snapshots: Snapshotter; log: Logger }): Promise<BuildBackend> {
    const dir = join(dataRoot, 'build');
    const tmpRoot = join(dir, 'tmp');
    await mkdir(tmpRoot, { recursive: true, mode: 0o700 });
    for (const name of await readdir(tmpRoot)) {
      await execFileP('umount', ['-l', join(tmpRoot, name)]).catch(() => {});
      await rm(join(tmpRoot, name), { recursive: true, force: true }).catch((err: unknown) => o.log.warn('remove build leftover', { name, error: messageOf(err) }));
    }
    for (const key of o.snapshots.keys()) if (key.startsWith('build-')) await o.snapshots.remove(key).catch(() => {});
    const cache = await BuildCache.open(join(dir, 'cache.json'));
    return new BuildBackend({ ...o, cache, tmpRoot });
  }

  async build(context: Readable, q: BuildQuery, signal: AbortSignal): Promise<StartedBuild> {
    if (q.remote) throw new NotImplemented('building from a remote context is not supported: send the context as a tar');
    // Loaded with the first build: the Dockerfile parser and .dockerignore matcher cost a daemon
    // that never builds ~4 MiB.
    const { openBuild } = await import('../build/builder.js');
    const job = await openBuild(this.deps, context, {
      dockerfile: q.dockerfile, tags: q.tags, buildArgs: q.buildArgs, labels: q.labels, target: q.target,
      noCache: q.noCache, pull: q.pull, rm: q.rm, forceRm: q.forceRm, networkMode: q.networkMode, resources: q.resources, signal,
    });
    return {
      run: async (send: (m: Api.JSONMessage) => void) => {
        const stream = (text: string) => {
          if (!q.quiet) send({ stream: text });
        };
        try {
          const id = await job.run(stream);
          send({ aux: { ID: id } });
          if (q.quiet) send({ stream: `${id}\n` });
          stream(`Successfully built ${id.replace(/^sha256:/, '').slice(0, 12)}\n`);
          for (const name of job.taggedNames()) stream(`Successfully tagged ${name}\n`);
        } catch (err) {
          const message = messageOf(err);
          const code = err instanceof BuildError ? err.code : 1;
          if (!(err instanceof BuildError)) this.deps.log.debug('build failed', { error: message });
          send({ errorDetail: { code, message }, error: message });
        }
      },
    };
  }

  /**
   * `docker builder prune`: forgets every cache entry and removes the cached images no tag, no
   * child image and no container keeps (an image's untagged parents go with it).
   */
  async prune(_filters: Filters, _all: boolean): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
    const { images, containers, cache } = this.deps;
    const before = this.layersSize();
    const deleted: string[] = [];
    const usedBy = (id: string) => containers.store.all().filter((c) => c.imageId === id).map((c) => c.id);
    for (const id of await cache.clear()) {
      try {
        const img = images.resolve(id);
        if (img.repoTags.length || img.repoDigests.length) continue;
        if (images.list().some((i) => i.parent === id)) continue;
        for (const item of await images.remove(id, { usedBy })) if ('deleted' in item) deleted.push(item.deleted);
      } catch (err) {
        if (!(err instanceof NotFound) && !(err instanceof Conflict)) throw err;
      }
    }
    return { CachesDeleted: deleted, SpaceReclaimed: Math.max(0, before - this.layersSize()) };
  }

  private layersSize(): number {
    const sizes = new Map<string, number>();
    for (const img of this.deps.images.list()) for (const l of this.deps.images.layerChain(img.id)) sizes.set(l.chainId, l.size);
    return [...sizes.values()].reduce((a, b) => a + b, 0);
  }
}
