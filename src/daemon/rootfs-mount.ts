import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Mount } from '../snapshot/mount.js';

const execFileP = promisify(execFile);

function option(options: string[], name: string): string | undefined {
  return options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
}

/**
 * Mounts a stopped container's root filesystem on a private directory: read-only as a stack of
 * its upper dir over the image's layers (nothing is written, not even overlay's work dir), or
 * writable as the container itself mounts it. `release` unmounts and removes the directory.
 */
export async function mountRootfs(m: Mount, o: { readonly: boolean }): Promise<{ path: string; release: () => Promise<void> }> {
  const target = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  const upper = option(m.options, 'upperdir') ?? '';
  const lower = option(m.options, 'lowerdir') ?? '';
  const opts = o.readonly
    ? ['ro', `lowerdir=${[upper, ...lower.split(':')].filter(Boolean).join(':')}`, ...m.options.filter((x) => x === 'index=off')]
    : m.options;
  try {
    await execFileP('mount', ['-t', m.type, '-o', opts.join(','), m.source, target]);
  } catch (err) {
    await rm(target, { recursive: true, force: true });
    throw err;
  }
  let released: Promise<void> | undefined;
  const release = () => (released ??= execFileP('umount', [target])
    .catch(() => execFileP('umount', ['-l', target]))
    .then(() => rm(target, { recursive: true, force: true })));
  return { path: target, release };
}
