import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The host path of `path` inside `rootfs`, with symlinks resolved as the container would: an
 * absolute link target starts again at the rootfs, and ".." stops there, so a link planted in an
 * image cannot make the runtime read a file of the host. Missing components are kept as they are.
 */
export function resolveInRootfs(rootfs: string, path: string): string {
  let pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(rootfs, ...done, part);
    let target: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch {
      // Missing: nothing further can be a link.
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > 40) throw Object.assign(new Error(`too many levels of symbolic links: "${path}"`), { code: 'ELOOP' });
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return join(rootfs, ...done);
}
