import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, InvalidArgument } from '../common/errors.js';

const MAX_LINKS = 255;

/**
 * The host path of `path` inside the tree at `root`, with the tree's symlinks followed as the
 * container would see them: absolute links and `..` stop at `root`, so nothing the image holds
 * leads out of it (moby's FollowSymlinkInScope). Resolves with undefined when a component is
 * missing. Meant for trees nothing changes while they are read (a read-only view of an image).
 */
export async function resolveInRoot(root: string, path: string): Promise<string | undefined> {
  const done: string[] = [];
  let todo = path.split('/').filter((c) => c !== '' && c !== '.');
  let links = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, c);
    let st;
    try {
      st = await lstat(host);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    if (!st.isSymbolicLink()) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) throw new InvalidArgument(`too many symlinks resolving "${path}" in the image`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...todo];
  }
  return join(root, ...done);
}
