import { existsSync } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Conflict, InvalidArgument, NotFound } from '../common/errors.js';
import type { OciMount } from '../oci/runtime-spec.js';
import { checkDestination, parseBindSpec, parseVolumesFrom } from '../volume/bind-spec.js';
import { mountPointOf } from '../volume/mount-request.js';
import type { MountPoint } from '../volume/volume.js';
import type { VolumeStore } from '../volume/volume-store.js';
import type { ContainerConfig, ContainerRecord, HostConfig } from './container.js';

export interface MountInputs {
  id: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  volumes: VolumeStore;
  /** The container named by --volumes-from (throws NotFound with Docker's text). */
  resolveContainer(ref: string): ContainerRecord;
}

/** Parents before children, as Docker sorts them: a mount inside another must come after it. */
function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/**
 * Decides a new container's mounts as moby does: the mounts of --volumes-from containers first,
 * then -v (Binds) and --mount over them (the two may not share a destination), then an anonymous
 * volume for each VOLUME of the image and `-v /path` not yet mounted. Creates the volumes that do
 * not exist and references them for the container; on failure nothing stays referenced and the
 * anonymous volumes made here are removed.
 */
export async function createMountPoints(i: MountInputs): Promise<MountPoint[]> {
  const h = i.hostConfig;
  const points = new Map<string, MountPoint>();
  for (const spec of h.volumesFrom) {
    const { container, rw } = parseVolumesFrom(spec);
    let other: ContainerRecord;
    try {
      other = i.resolveContainer(container);
    } catch (err) {
      // A 400, as moby answers: a 404 to a create makes the docker CLI pull the image.
      if (err instanceof NotFound) throw new InvalidArgument(err.message, { cause: err });
      throw err;
    }
    for (const p of other.mountPoints ?? []) {
      points.set(p.destination, rw === undefined ? { ...p } : { ...p, rw, mode: rw ? 'rw' : 'ro' });
    }
  }
  const userSet = new Set<string>();
  const volumeRequests = new Map<string, { labels?: Record<string, string>; options?: Record<string, string> }>();
  const add = (p: MountPoint) => {
    if (userSet.has(p.destination)) throw new InvalidArgument(`Duplicate mount point: ${p.destination}`);
    userSet.add(p.destination);
    points.set(p.destination, p);
  };
  for (const b of h.binds) {
    const p = parseBindSpec(b);
    add(p.type === 'bind' ? { ...p, createSource: true } : p);
  }
  for (const r of h.mounts) {
    const p = mountPointOf(r);
    if (p.type === 'bind' && !r.bindCreateSource && !existsSync(p.source)) {
      throw new InvalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${p.source}`);
    }
    add(r.bindCreateSource ? { ...p, createSource: true } : p);
    if (p.type === 'volume') volumeRequests.set(p.destination, { ...(r.volumeLabels ? { labels: r.volumeLabels } : {}), ...(r.volumeOptions ? { options: r.volumeOptions } : {}) });
  }
  for (const dest of Object.keys(h.tmpfs)) {
    if (points.has(posix.normalize(dest))) throw new InvalidArgument(`Duplicate mount point: ${dest}`);
  }
  for (const v of i.config.volumes) {
    const destination = checkDestination(v, v);
    if (points.has(destination) || Object.hasOwn(h.tmpfs, destination)) continue;
    points.set(destination, {
      type: 'volume', name: '', source: '', destination, driver: 'local', mode: '', rw: true, propagation: '', named: false, copyData: true,
    });
  }
  const made: string[] = [];
  const referenced: string[] = [];
  try {
    for (const p of points.values()) {
      if (p.type !== 'volume') continue;
      const req = volumeRequests.get(p.destination) ?? {};
      const v = await i.volumes.create({ name: p.name, ...req });
      if (!p.name) made.push(v.name);
      p.name = v.name;
      p.source = i.volumes.dataPath(v.name);
      i.volumes.reference(v.name, i.id);
      referenced.push(v.name);
    }
    for (const p of points.values()) if (p.createSource) await makeBindSource(p.source);
  } catch (err) {
    await releaseVolumes(i.volumes, i.id, referenced, made);
    throw err;
  }
  return [...points.values()].sort((a, b) => depth(a.destination) - depth(b.destination) || a.destination.localeCompare(b.destination));
}

/** As -v does: a missing host path of a bind becomes a directory (an existing file or directory is left as it is). */
export async function makeBindSource(path: string): Promise<void> {
  if (existsSync(path)) return;
  await mkdir(path, { recursive: true, mode: 0o755 });
}

async function releaseVolumes(volumes: VolumeStore, id: string, names: string[], remove: string[]): Promise<void> {
  for (const n of names) volumes.release(n, id);
  for (const n of remove) await volumes.remove(n).catch(() => {});
}

/**
 * Drops a removed container's references; with `removeAnonymous` (rm -v, --rm) also removes the
 * volumes it did not name, unless another container still uses them.
 */
export async function releaseMountPoints(volumes: VolumeStore, rec: ContainerRecord, removeAnonymous: boolean): Promise<void> {
  for (const p of rec.mountPoints ?? []) {
    if (p.type !== 'volume') continue;
    volumes.release(p.name, rec.id);
    if (!removeAnonymous || p.named) continue;
    await volumes.remove(p.name).catch((err: unknown) => {
      if (!(err instanceof Conflict) && !(err instanceof NotFound)) throw err;
    });
  }
}

/** Whether any layer may hold something at `destination` (its first component exists in one). */
export async function mayHaveImagePath(layerDirs: string[], destination: string): Promise<boolean> {
  const first = destination.split('/').find(Boolean);
  if (!first) return false;
  for (const d of layerDirs) {
    if (await lstat(join(d, first)).then(() => true, () => false)) return true;
  }
  return false;
}

/** The OCI mounts of a container's mount points, as moby's setMounts makes them. */
export function ociMountsOf(points: readonly MountPoint[]): OciMount[] {
  return points.map((p): OciMount => {
    if (p.type === 'tmpfs') {
      return { destination: p.destination, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...(p.tmpfsOptions ?? []), ...(p.rw ? [] : ['ro'])] };
    }
    return { destination: p.destination, type: 'bind', source: p.source, options: ['rbind', p.rw ? 'rw' : 'ro', p.propagation || 'rprivate'] };
  });
}
