import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteJson } from '../common/atomic-write.js';
import type { Logger } from '../common/log.js';

/**
 * JSON records in a directory, one file per key, each written atomically. Writes of one key are
 * serialized and each writes the record as it is when its turn comes, so the last write on disk
 * is always the latest state (an older write finishing late cannot overwrite a newer one).
 */
export class JsonRecordDir<T extends object> {
  private writes = new Map<string, Promise<void>>();

  constructor(readonly dir: string, private readonly log: Logger) {}

  async loadAll(): Promise<T[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const out: T[] = [];
    for (const f of await readdir(this.dir)) {
      if (!f.endsWith('.json')) {
        await rm(join(this.dir, f), { force: true }); // a temp file a crash left
        continue;
      }
      try {
        out.push(JSON.parse(await readFile(join(this.dir, f), 'utf8')) as T);
      } catch (err) {
        this.log.warn('ignoring an unreadable record', { path: join(this.dir, f), error: err });
      }
    }
    return out;
  }

  /**
   * Writes the record as it is when the write runs; resolves once it is written (and with `sync`,
   * on disk: what must survive a power loss, not only a daemon kill, which the page cache does).
   */
  save(key: string, current: () => T | undefined, o: { sync: boolean }): Promise<void> {
    const prev = this.writes.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      const v = current();
      if (v === undefined) await rm(join(this.dir, `${key}.json`), { force: true });
      else await atomicWriteJson(join(this.dir, `${key}.json`), v, { sync: o.sync });
    });
    const tail = next.catch(() => {});
    this.writes.set(key, tail);
    void tail.then(() => {
      if (this.writes.get(key) === tail) this.writes.delete(key);
    });
    return next;
  }
}
