import { constants } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';

/**
 * Paths looked up inside a container's root filesystem the way openat2(RESOLVE_IN_ROOT) does,
 * from Node, which has neither openat2 nor openat: every step opens one component relative to
 * the directory opened before it, through that directory's /proc/self/fd link, never following a
 * final symlink (O_NOFOLLOW); symlinks met on the way are read and resolved by this code against
 * the root, and `..` never climbs above it. A directory swapped for a symlink while we walk
 * (CVE-2018-15664) makes the step fail instead of leaving the root, since each step starts from
 * a descriptor, not a path. Nothing from the container is ever executed.
 */

/** O_PATH (Linux): a descriptor that only names a file; Node's constants lack it. */
export const O_PATH = 0o10000000;
const MAX_LINKS = 40;

export class PathError extends Error {
  constructor(readonly code: 'ENOENT' | 'ENOTDIR' | 'ELOOP', message: string) {
    super(message);
  }
}

/** The /proc path naming `name` inside the directory open as `dir`. */
export function under(dir: FileHandle, name?: string): string {
  return name === undefined ? `/proc/self/fd/${dir.fd}` : `/proc/self/fd/${dir.fd}/${name}`;
}

/** A root directory, held open, to resolve container paths in. */
export class ConfinedRoot {
  private constructor(readonly root: FileHandle) {}

  /** Opens `path` (e.g. /proc/<pid>/root of a running container, or a mounted rootfs) as the root. */
  static async open(path: string): Promise<ConfinedRoot> {
    return new ConfinedRoot(await open(path, O_PATH | constants.O_DIRECTORY));
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /**
   * Resolves `path` (absolute or relative, taken from the root) and opens what it names with
   * O_PATH: symlinks in the middle are followed inside the root, the last one only with
   * `followLast`. Throws PathError when a component is missing, not a directory, or loops.
   */
  async resolve(path: string, o: { followLast: boolean }): Promise<FileHandle> {
    return (await this.resolveWithPath(path, o)).fh;
  }

  /** resolve(), with the path it found inside the root ("/a/b", symlinks resolved). */
  async resolveWithPath(path: string, o: { followLast: boolean }): Promise<{ fh: FileHandle; path: string }> {
    const queue = path.split('/').filter((c) => c !== '' && c !== '.');
    const stack: FileHandle[] = [];
    const names: string[] = [];
    const top = () => stack.at(-1) ?? this.root;
    let links = 0;
    try {
      while (queue.length) {
        const name = queue.shift()!;
        if (name === '..') {
          await stack.pop()?.close();
          names.pop();
          continue;
        }
        const at = under(top(), name);
        const st = await lstat(at).catch(() => {
          throw new PathError('ENOENT', `no such file or directory: ${path}`);
        });
        if (st.isSymbolicLink() && (queue.length > 0 || o.followLast)) {
          if (++links > MAX_LINKS) throw new PathError('ELOOP', `too many levels of symbolic links: ${path}`);
          const target = await readlink(at);
          if (target.startsWith('/')) {
            while (stack.length) await stack.pop()!.close();
            names.length = 0;
          }
          queue.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
          continue;
        }
        if (queue.length > 0 && !st.isDirectory()) throw new PathError('ENOTDIR', `not a directory: ${path}`);
        const fh = await open(at, O_PATH | constants.O_NOFOLLOW).catch(() => {
          throw new PathError('ENOENT', `no such file or directory: ${path}`);
        });
        stack.push(fh);
        names.push(name);
        // Swapped between the lstat and the open: the step fails, it never leaves the root.
        const now = await fh.stat();
        if (queue.length > 0 && !now.isDirectory()) throw new PathError('ENOTDIR', `not a directory: ${path}`);
      }
      const fh = stack.pop() ?? (await open(under(this.root), O_PATH | constants.O_DIRECTORY));
      return { fh, path: `/${names.join('/')}` };
    } finally {
      for (const fh of stack) await fh.close().catch(() => {});
    }
  }

  /** The parent directory of `path` (symlinks followed inside the root) and its last component. */
  async resolveParent(path: string): Promise<{ dir: FileHandle; name: string }> {
    const parts = path.split('/').filter((c) => c !== '' && c !== '.');
    const name = parts.pop();
    const dir = await this.resolve(parts.join('/'), { followLast: true });
    if (!(await dir.stat()).isDirectory()) {
      await dir.close();
      throw new PathError('ENOTDIR', `not a directory: ${path}`);
    }
    return { dir, name: name ?? '.' };
  }
}
