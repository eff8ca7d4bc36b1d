import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { atomicWriteJson } from '../common/atomic-write.js';
import { randomId } from '../common/digest.js';
import { Conflict, Internal, InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import { checkVolumeName, noSuchVolume, volumeInUse } from './errors.js';
import { checkLocalOptions, hasDeviceMount, mountArgs } from './local-driver-options.js';
import { isMountPoint } from './mount-table.js';
import { ANONYMOUS_LABEL, type Volume } from './volume.js';
import type { CreateVolumeRequest, VolumeStore } from './volume-store.js';

const execFileP = promisify(execFile);

const META = 'volume.json';
const DATA = '_data';
/** Directories being made or removed: a crash leaves them, and the next open deletes them. */
const CREATING = '.creating-';
const REMOVING = '.removing-';

/**
 * The local driver: `<root>/<name>/_data` holds a volume's data and `<root>/<name>/volume.json`
 * its metadata. A volume appears by renaming a complete directory into place and disappears by
 * renaming it away first, so a daemon killed at any moment finds each volume whole or not at all.
 */
export class LocalVolumeStore implements VolumeStore {
  private volumes = new Map<string, Volume>();
  private refs = new Map<string, Set<string>>();
  /** Per volume with a filesystem of its own: the containers that have it mounted. */
  private active = new Map<string, Set<string>>();
  /** Creates in flight by name: a second create of the same name waits for the first. */
  private creating = new Map<string, Promise<Volume>>();

  private constructor(readonly root: string, private readonly events: EventSink, private readonly log: Logger) {}

  static async open(root: string, o: { events: EventSink; log: Logger }): Promise<LocalVolumeStore> {
    const store = new LocalVolumeStore(root, o.events, o.log);
    await mkdir(root, { recursive: true, mode: 0o701 });
    for (const entry of await readdir(root)) {
      const dir = join(root, entry);
      if (entry.startsWith(CREATING) || entry.startsWith(REMOVING)) {
        await store.removeDir(dir);
        continue;
      }
      try {
        const v = JSON.parse(await readFile(join(dir, META), 'utf8')) as Volume;
        store.volumes.set(v.name, v);
      } catch (err) {
        o.log.warn('ignoring a volume directory without valid metadata', { dir, error: messageOf(err) });
      }
    }
    return store;
  }

  dataPath(name: string): string {
    return join(this.root, name, DATA);
  }

  get(name: string): Volume {
    const v = this.volumes.get(name);
    if (!v) throw noSuchVolume(name);
    return v;
  }

  list(): Volume[] {
    return [...this.volumes.values()];
  }

  async create(req: CreateVolumeRequest): Promise<Volume> {
    const anonymous = !req.name;
    const name = req.name || randomId();
    const driver = req.driver || 'local';
    checkVolumeName(name);
    if (driver !== 'local') throw new NotFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const existing = this.volumes.get(name) ?? (await this.creating.get(name)?.catch(() => undefined));
    if (existing) return existing;
    const options = req.options ?? {};
    checkLocalOptions(name, options);
    const labels = { ...(req.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) };
    const v: Volume = { name, driver: 'local', labels, options, createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    const p = this.write(v);
    this.creating.set(name, p);
    try {
      await p;
    } finally {
      this.creating.delete(name);
    }
    this.volumes.set(name, v);
    this.events.publish({ type: 'volume', action: 'create', id: name, attributes: { driver: 'local' } });
    return v;
  }

  private async write(v: Volume): Promise<Volume> {
    const tmp = join(this.root, `${CREATING}${randomId().slice(0, 16)}`);
    try {
      await mkdir(join(tmp, DATA), { recursive: true, mode: 0o755 });
      await atomicWriteJson(join(tmp, META), v);
      await rename(tmp, join(this.root, v.name));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw new Internal(`create ${v.name}: ${messageOf(err)}`, { cause: err });
    }
    return v;
  }

  reference(name: string, containerId: string): void {
    let s = this.refs.get(name);
    if (!s) this.refs.set(name, (s = new Set()));
    s.add(containerId);
  }

  release(name: string, containerId: string): void {
    const s = this.refs.get(name);
    s?.delete(containerId);
    if (s && s.size === 0) this.refs.delete(name);
  }

  users(name: string): string[] {
    return [...(this.refs.get(name) ?? [])];
  }

  async mount(name: string, containerId: string): Promise<string> {
    const v = this.get(name);
    const path = this.dataPath(name);
    if (!hasDeviceMount(v.options)) return path;
    let s = this.active.get(name);
    if (!s) this.active.set(name, (s = new Set()));
    const first = s.size === 0;
    s.add(containerId);
    // After a daemon restart the filesystem may still be mounted for running containers.
    if (first && !(await isMountPoint(path))) {
      try {
        await execFileP('mount', mountArgs(v.options, path));
      } catch (err) {
        s.delete(containerId);
        const detail = (err as { stderr?: string }).stderr?.trim() || messageOf(err);
        throw new InvalidArgument(`error while mounting volume '${path}': ${detail}`, { cause: err });
      }
    }
    return path;
  }

  async unmount(name: string, containerId: string): Promise<void> {
    const v = this.volumes.get(name);
    if (!v || !hasDeviceMount(v.options)) return;
    const s = this.active.get(name);
    if (s) {
      s.delete(containerId);
      if (s.size > 0) return;
      this.active.delete(name);
    }
    // Also when the container was never counted: one that exited while berthd was down (and
    // before its start was recorded) leaves the filesystem mounted with no one using it.
    await this.unmountData(name);
  }

  private async unmountData(name: string): Promise<void> {
    const path = this.dataPath(name);
    if (!(await isMountPoint(path))) return;
    await execFileP('umount', [path]).catch(async (err: unknown) => {
      this.log.warn('unmounting a volume failed; detaching it', { name, error: messageOf(err) });
      await execFileP('umount', ['-l', path]);
    });
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const v = this.volumes.get(name);
    if (!v) {
      if (opts.force) return;
      throw noSuchVolume(name);
    }
    const users = this.users(name);
    if (users.length) throw volumeInUse(name, users);
    if (this.active.get(name)?.size) throw new Conflict(`remove ${name}: volume is mounted`);
    await this.unmountData(name);
    const gone = join(this.root, `${REMOVING}${randomId().slice(0, 16)}`);
    await rename(join(this.root, name), gone);
    this.volumes.delete(name);
    this.events.publish({ type: 'volume', action: 'destroy', id: name, attributes: { driver: 'local' } });
    await this.removeDir(gone);
  }

  /** Deletes a volume directory, never crossing into a filesystem still mounted in it. */
  private async removeDir(dir: string): Promise<void> {
    const data = join(dir, DATA);
    if (await isMountPoint(data)) await execFileP('umount', ['-l', data]).catch(() => {});
    if (await isMountPoint(data)) {
      this.log.warn('a volume directory still has a filesystem mounted: left in place', { dir });
      return;
    }
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) => this.log.warn('removing a volume directory failed', { dir, error: messageOf(err) }));
  }
}
