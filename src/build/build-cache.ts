/**
 * The classic builder's cache: a step's cache key (its parent image, its instruction with the
 * build arguments in effect, and for COPY/ADD the checksum of the files) → the image the step
 * made. Kept in one file written atomically, so it survives a daemon restart; an entry whose
 * image is gone is simply a miss. Steps do not wait for the file: writes are coalesced in the
 * background and a build waits for them once, at its end (an entry lost to a crash is a miss).
 */
import { readFile } from 'node:fs/promises';
import { atomicWriteJson } from '../common/atomic-write.js';
import { Internal, isNotFoundError, messageOf } from '../common/errors.js';

interface CacheFile {
  version: 1;
  entries: Record<string, { image: string; created: string }>;
}

export class BuildCache {
  private readonly entries = new Map<string, { image: string; created: string }>();
  private saving: Promise<void> | undefined;
  private dirty = false;
  private failure: unknown;

  private constructor(private readonly path: string) {}

  static async open(path: string): Promise<BuildCache> {
    const cache = new BuildCache(path);
    try {
      const file = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
      for (const [k, v] of Object.entries(file.entries)) cache.entries.set(k, v);
    } catch (err) {
      if (!isNotFoundError(err)) throw new Internal(`read build cache "${path}": ${messageOf(err)}`, { cause: err });
    }
    return cache;
  }

  get(key: string): string | undefined {
    return this.entries.get(key)?.image;
  }

  set(key: string, image: string): void {
    this.entries.set(key, { image, created: new Date().toISOString() });
    this.save();
  }

  /** Resolves when what was set is on disk; rejects if the last write failed. */
  async flush(): Promise<void> {
    await this.saving;
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
  }

  /** The images the cache points at, with when each entry was made. */
  list(): { key: string; image: string; created: string }[] {
    return [...this.entries].map(([key, v]) => ({ key, ...v }));
  }

  /** Forgets every entry; returns the images they pointed at. */
  async clear(): Promise<string[]> {
    const images = [...new Set([...this.entries.values()].map((v) => v.image))];
    this.entries.clear();
    this.save();
    await this.flush();
    return images;
  }

  private save(): void {
    this.dirty = true;
    this.saving ??= (async () => {
      while (this.dirty) {
        this.dirty = false;
        try {
          await atomicWriteJson(this.path, { version: 1, entries: Object.fromEntries(this.entries) } satisfies CacheFile);
          this.failure = undefined;
        } catch (err) {
          this.failure = err;
        }
      }
      this.saving = undefined;
    })();
  }
}
