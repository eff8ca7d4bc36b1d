/**
 * Paths inside a root directory (a build context, an image's or container's root filesystem),
 * resolved the way a chroot would: symlinks are followed but an absolute target or a `..` never
 * leaves the root (moby's FollowSymlinkInScope). This is what keeps a context's
 * `link -> /etc/shadow` from reading the host's file, and an image's links from leading a volume's
 * pre-fill out of it. For trees nothing else changes while they are read; a container that runs
 * needs the descriptor-based walk of container/confined-root.ts.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument, isNotFoundError } from './errors.js';

const MAX_LINKS = 40;

/**
 * The host path of `path` (absolute or relative to the root) inside `root`. Every symlink on the
 * way is followed inside the root, the last one only when `followLast`. Missing components are
 * kept as they are named.
 */
export async function resolveInRoot(root: string, path: string, o: { followLast?: boolean } = {}): Promise<string> {
  return (await walk(root, path, o.followLast ?? true, false))!;
}

/** As resolveInRoot, but undefined when a component of the path is missing. */
export function resolveExistingInRoot(root: string, path: string): Promise<string | undefined> {
  return walk(root, path, true, true);
}

async function walk(root: string, path: string, followLast: boolean, mustExist: boolean): Promise<string | undefined> {
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
      if (mustExist) return undefined;
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
