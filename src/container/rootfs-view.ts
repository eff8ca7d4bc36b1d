import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Internal, messageOf } from '../common/errors.js';
import type { Mount } from '../snapshot/mount.js';

const execFileP = promisify(execFile);

function option(options: string[], name: string): string | undefined {
  return options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** Overlay mount options → the layer directories, writable one first (to read files without mounting). */
export function layerDirsOf(options: string[]): string[] {
  const upper = option(options, 'upperdir');
  return [...(upper ? [upper] : []), ...(option(options, 'lowerdir')?.split(':').filter(Boolean) ?? [])];
}

/** A container's root filesystem mounted read-only on the daemon's side; `release` unmounts it. */
export interface RootfsView {
  dir: string;
  release(): Promise<void>;
}

/**
 * Mounts what a container sees as its root, read-only and without its mounts (no volume, no bind):
 * the writable layer as the top lower layer of a private overlay. Export and a volume's pre-fill
 * read it; nothing can write through it.
 */
export function mountRootfsView(m: Mount, what: string): Promise<RootfsView> {
  return mountPrivately({ type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${layerDirsOf(m.options).join(':')}`, ...m.options.filter((o) => o === 'index=off')] }, what);
}

/**
 * A stopped container's root mounted writable as its runtime mounts it (for `docker cp` into
 * it); it must not start while this is mounted.
 */
export function mountRootfsWritable(m: Mount, what: string): Promise<RootfsView> {
  return mountPrivately(m, what);
}

async function mountPrivately(m: Mount, what: string): Promise<RootfsView> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  try {
    await execFileP('mount', ['-t', m.type, '-o', m.options.join(','), m.source, dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Internal(`${what}: mount its root filesystem: ${messageOf(err)}`, { cause: err });
  }
  let released: Promise<void> | undefined;
  return {
    dir,
    release: () =>
      (released ??= execFileP('umount', [dir])
        .catch(() => execFileP('umount', ['-l', dir]))
        .then(() => rm(dir, { recursive: true, force: true }))),
  };
}
