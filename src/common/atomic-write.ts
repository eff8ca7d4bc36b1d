import { open, rename, unlink } from 'node:fs/promises';

export interface AtomicWriteOptions {
  /** fsync the file before the rename; on by default. */
  sync?: boolean;
  mode?: number;
}

let counter = 0;

/**
 * Writes `data` to `path` so that a reader (or a daemon restarted after a kill) sees either the
 * old content or the new, never a mix: temp file in the same directory, fsync, rename.
 */
export async function atomicWrite(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  // pid + counter: unique among writers, and cheaper to load than node:crypto in short-lived CLIs.
  const tmp = `${path}.tmp-${process.pid}-${++counter}`;
  const fh = await open(tmp, 'w', options.mode ?? 0o600);
  try {
    await fh.writeFile(data);
    if (options.sync !== false) await fh.datasync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

export async function atomicWriteJson(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await atomicWrite(path, JSON.stringify(value), options);
}
