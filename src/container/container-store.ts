import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson } from '../common/atomic-write.js';
import { InvalidArgument, NotFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ContainerRecord } from './container.js';
import { invalidName, nameInUse, noSuchContainer } from './errors.js';

const RECORD = 'container.json';
const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * The container records on disk (`<root>/containers/<id>/container.json`, each written
 * atomically) and the in-memory indexes by id and name. Lookups are synchronous.
 */
export class ContainerStore {
  private byId = new Map<string, ContainerRecord>();
  private byName = new Map<string, string>();
  /** Per container: the write in flight, and whether another is wanted after it. */
  private writes = new Map<string, { done: Promise<void>; again: boolean }>();

  private constructor(readonly root: string, private readonly log: Logger) {}

  static async open(root: string, log: Logger): Promise<ContainerStore> {
    const store = new ContainerStore(root, log);
    await mkdir(root, { recursive: true, mode: 0o710 });
    for (const id of await readdir(root)) {
      try {
        const rec = JSON.parse(await readFile(join(root, id, RECORD), 'utf8')) as ContainerRecord;
        store.byId.set(rec.id, rec);
        store.byName.set(rec.name, rec.id);
      } catch (err) {
        // A directory without a record is what a crash during create leaves: nothing to keep.
        log.warn('removing a container directory without a valid record', { id, error: err });
        await rm(join(root, id), { recursive: true, force: true });
      }
    }
    return store;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Finds a container as Docker does: full id, then name (with or without the leading slash),
   * then a unique id prefix.
   */
  resolve(ref: string): ContainerRecord {
    const found = this.find(ref);
    if (!found) throw noSuchContainer(ref);
    return found;
  }

  find(ref: string): ContainerRecord | undefined {
    if (!ref) return undefined;
    const direct = this.byId.get(ref);
    if (direct) return direct;
    const byName = this.byName.get(ref.startsWith('/') ? ref.slice(1) : ref);
    if (byName) return this.byId.get(byName);
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    let match: ContainerRecord | undefined;
    for (const [id, rec] of this.byId) {
      if (!id.startsWith(ref)) continue;
      if (match) throw new InvalidArgument(`multiple IDs found with provided prefix: ${ref}`);
      match = rec;
    }
    return match;
  }

  /** Reserves a name for a new or renamed container; throws Conflict when taken. */
  reserveName(name: string, id: string): void {
    if (!validName.test(name)) throw invalidName(name);
    const holder = this.byName.get(name);
    if (holder && holder !== id) throw nameInUse(name, holder);
    this.byName.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  hasName(name: string): boolean {
    return this.byName.has(name);
  }

  /** Adds a new container's record, durably. */
  insert(rec: ContainerRecord): Promise<void> {
    this.byId.set(rec.id, rec);
    this.byName.set(rec.name, rec.id);
    return this.save(rec);
  }

  /**
   * Updates a record, durably; a record deleted meanwhile stays deleted. Writes of one container never overlap or reorder: a save
   * during a write is folded into one more write of the record as it is by then.
   */
  save(rec: ContainerRecord): Promise<void> {
    if (this.byId.get(rec.id) !== rec) return Promise.resolve();
    const inFlight = this.writes.get(rec.id);
    if (inFlight) {
      inFlight.again = true;
      return inFlight.done;
    }
    const w = { done: Promise.resolve(), again: false };
    w.done = (async () => {
      try {
        do {
          w.again = false;
          const current = this.byId.get(rec.id);
          if (!current) return; // deleted meanwhile
          await atomicWriteJson(join(this.root, rec.id, RECORD), current);
        } while (w.again);
      } finally {
        this.writes.delete(rec.id);
      }
    })();
    this.writes.set(rec.id, w);
    return w.done;
  }

  /** Forgets a container and deletes its directory. */
  async delete(rec: ContainerRecord): Promise<void> {
    if (!this.byId.has(rec.id)) throw new NotFound(`No such container: ${rec.id}`);
    this.byId.delete(rec.id);
    this.releaseName(rec.name, rec.id);
    await this.writes.get(rec.id)?.done.catch(() => {});
    // The record goes first, so that a crash mid-delete leaves a directory that open() cleans up.
    await rm(join(this.root, rec.id, RECORD), { force: true });
    await rm(join(this.root, rec.id), { recursive: true, force: true });
    this.log.debug('container deleted', { id: rec.id });
  }
}
