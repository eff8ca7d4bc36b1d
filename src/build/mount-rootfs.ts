/**
 * A root filesystem to write into or read from during a build: a writable snapshot on an image's
 * top layer, mounted privately on a temporary directory. COPY, ADD and WORKDIR write through the
 * mount (overlay does the copy-up), and the snapshot's upper dir becomes the step's layer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomId } from '../common/digest.js';
import { Internal, messageOf } from '../common/errors.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

const execFileP = promisify(execFile);

export interface MountedRootfs {
  /** Where the merged tree is mounted. */
  dir: string;
  /** The snapshot's upper dir: what was written. */
  upper: string;
  /** Whether anything was written. */
  changed(): Promise<boolean>;
  /** Unmounts and removes the snapshot; idempotent. */
  release(): Promise<void>;
}

export async function mountRootfs(snapshots: Snapshotter, chainId: string, tmpRoot: string): Promise<MountedRootfs> {
  const key = `build-${randomId().slice(0, 24)}`;
  const [m] = await snapshots.prepare(key, chainId);
  const upper = m?.options.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
  const dir = await mkdtemp(join(tmpRoot, 'root-'));
  try {
    if (!m || !upper) throw new Internal(`snapshot "${key}" has no writable layer`);
    await execFileP('mount', ['-t', m.type, '-o', m.options.join(','), m.source, dir]);
  } catch (err) {
    await snapshots.remove(key).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Internal(`mount a root filesystem for the build: ${messageOf(err)}`, { cause: err });
  }
  let released = false;
  return {
    dir,
    upper,
    changed: async () => (await readdir(upper)).length > 0,
    async release() {
      if (released) return;
      released = true;
      await execFileP('umount', [dir]).catch(() => execFileP('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
      await snapshots.remove(key);
    },
  };
}
