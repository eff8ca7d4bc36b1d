import type { Filters } from '../api/routes/system.js';
import { filterRegExp } from '../api/routes/system.js';
import type { VolumesBackend } from '../api/routes/volumes.js';
import type * as Api from '../api/types/index.js';
import { InvalidArgument, messageOf } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { directorySize } from '../volume/directory-size.js';
import { ANONYMOUS_LABEL, type Volume } from '../volume/volume.js';
import type { VolumeStore } from '../volume/volume-store.js';

const LIST_FILTERS = new Set(['dangling', 'name', 'label', 'driver']);
const PRUNE_FILTERS = new Set(['label', 'label!', 'all']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

function boolFilter(name: string, v: string): boolean {
  if (['true', '1'].includes(v.toLowerCase())) return true;
  if (['false', '0'].includes(v.toLowerCase())) return false;
  throw new InvalidArgument(`invalid filter '${name}=${v}'`);
}

/** A volume as the Engine API shows it. */
export function toApiVolume(v: Volume, mountpoint: string, usage?: { size: number; refCount: number }): Api.Volume {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: Object.keys(v.labels).length ? v.labels : null,
    Mountpoint: mountpoint,
    Name: v.name,
    Options: Object.keys(v.options).length ? v.options : null,
    Scope: 'local',
    ...(usage ? { UsageData: { Size: usage.size, RefCount: usage.refCount } } : {}),
  };
}

/** The Engine API's view of volumes, over the volume store. */
export class VolumeBackend implements VolumesBackend {
  constructor(private readonly volumes: VolumeStore, private readonly log: Logger) {}

  private api(v: Volume): Api.Volume {
    return toApiVolume(v, this.volumes.dataPath(v.name));
  }

  async list(filters: Filters): Promise<Api.VolumeListResponse> {
    for (const k of Object.keys(filters)) if (!LIST_FILTERS.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const dangling = filters.dangling?.map((v) => boolFilter('dangling', v));
    const names = (filters.name ?? []).map((n) => filterRegExp(n, 'name'));
    const match = (v: Volume) => {
      if (dangling && !dangling.every((d) => d === (this.volumes.users(v.name).length === 0))) return false;
      if (names.length && !names.some((re) => re.test(v.name))) return false;
      if (filters.driver && !filters.driver.includes(v.driver)) return false;
      if (filters.label && !filters.label.every((l) => labelMatches(v.labels, l))) return false;
      return true;
    };
    return { Volumes: this.volumes.list().filter(match).map((v) => this.api(v)), Warnings: null };
  }

  async create(req: Api.VolumeCreateRequest): Promise<Api.Volume> {
    const v = await this.volumes.create({
      name: req.Name ?? '',
      driver: req.Driver ?? '',
      labels: req.Labels ?? {},
      options: req.DriverOpts ?? {},
    });
    return this.api(v);
  }

  inspect(name: string): Api.Volume {
    return this.api(this.volumes.get(name));
  }

  remove(name: string, force: boolean): Promise<void> {
    return this.volumes.remove(name, { force });
  }

  async prune(filters: Filters, opts: { anonymousOnly: boolean }): Promise<Api.VolumePruneResponse> {
    for (const k of Object.keys(filters)) if (!PRUNE_FILTERS.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    for (const v of filters.all ?? []) boolFilter('all', v);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.volumes.list()) {
      if (this.volumes.users(v.name).length) continue;
      if (opts.anonymousOnly && !Object.hasOwn(v.labels, ANONYMOUS_LABEL)) continue;
      if (filters.label && !filters.label.every((l) => labelMatches(v.labels, l))) continue;
      if (filters['label!'] && filters['label!'].some((l) => labelMatches(v.labels, l))) continue;
      const size = await directorySize(this.volumes.dataPath(v.name));
      try {
        await this.volumes.remove(v.name);
        deleted.push(v.name);
        reclaimed += size;
      } catch (err) {
        this.log.warn('prune could not remove a volume', { name: v.name, error: messageOf(err) });
      }
    }
    return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }
}
