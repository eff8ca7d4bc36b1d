/**
 * Paths inside a root directory (a build context, a container's root filesystem), resolved the
 * way a chroot would: symlinks are followed but an absolute target or a `..` never leaves the
 * root. This is what keeps a context's `link -> /etc/shadow` from reading the host's file.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument, isNotFoundError } from '../common/errors.js';

const MAX_LINKS = 40;

/**
 * The host path of `path` (absolute or relative to the root) inside `root`. Every symlink on the
 * way is followed inside the root, the last one only when `followLast`. Missing components are
 * kept as they are named.
 */
export async function resolveInRoot(root: string, path: string, o: { followLast?: boolean } = {}): Promise<string> {
  const followLast = o.followLast ?? true;
  let pending = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    if (missing || (pending.length === 0 && !followLast)) {
      done.push(c);
      continue;
    }
    const host = join(root, ...done, c);
    let isLink = false;
    try {
      isLink = (await lstat(host)).isSymbolicLink();
    } catch (err) {
      if (!isNotFoundError(err) && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      missing = true;
    }
    if (!isLink) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) throw new InvalidArgument(`too many levels of symbolic links resolving "${path}"`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...pending];
  }
  return join(root, ...done);
}
