/**
 * `docker cp`: the stat, tar and untar of paths inside a container's root, every lookup and
 * every creation done relative to descriptors confined to that root (confined-root.ts).
 */
import { constants, type Stats } from 'node:fs';
import { chmod, link, lchown, lstat, lutimes, stat, mkdir, open, readdir, readlink, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { Conflict, InvalidArgument, NotFound } from '../common/errors.js';
import { makeSpecialFiles } from '../common/make-special-files.js';
import { packEntry } from '../image/layer-tar-writer.js';
import { ConfinedRoot, O_PATH, PathError, under } from './confined-root.js';

/** Docker's X-Docker-Container-Path-Stat. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

type EntryHeader = Parameters<tar.Pack['entry']>[0];

/** A unix st_mode as Go's os.FileMode (what Docker's stat header carries). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  const type = mode & 0o170000;
  if (type === 0o040000) m |= 0x80000000;
  else if (type === 0o120000) m |= 0x08000000;
  else if (type === 0o010000) m |= 0x02000000;
  else if (type === 0o140000) m |= 0x01000000;
  else if (type === 0o060000) m |= 0x04000000;
  else if (type === 0o020000) m |= 0x04000000 | 0x00200000;
  if (mode & 0o4000) m |= 0x00800000;
  if (mode & 0o2000) m |= 0x00400000;
  if (mode & 0o1000) m |= 0x00100000;
  return m >>> 0;
}

function lastName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (path.endsWith('/.')) return '.';
  return parts.at(-1) ?? '/';
}

/** Turns a lookup failure into Docker's answer for a missing path. */
export function notFoundIn(path: string, id: string, err: unknown): never {
  if (err instanceof PathError) throw new NotFound(`Could not find the file ${path} in container ${id}`);
  throw err;
}

/** Stats `path` without following a final symlink; a symlink's target is resolved inside the root. */
export async function statPath(root: ConfinedRoot, path: string): Promise<PathStat> {
  const { dir, name } = await root.resolveParent(path);
  try {
    const st = await (name === '.' ? stat(under(dir)) : lstat(under(dir, name))).catch(() => {
      throw new PathError('ENOENT', `no such file or directory: ${path}`);
    });
    let linkTarget = '';
    if (st.isSymbolicLink()) {
      const r = await root.resolveWithPath(path, { followLast: true }).catch(() => undefined);
      if (r) {
        linkTarget = r.path;
        await r.fh.close();
      } else {
        linkTarget = await readlink(under(dir, name));
      }
    }
    // Go's RFC 3339 with nanoseconds: no fraction when it is zero.
    const mtime = st.mtime.toISOString().replace(/\.?0*Z$/, 'Z').replace(/\.Z$/, 'Z');
    return { name: lastName(path), size: st.size, mode: goFileMode(st.mode), mtime, linkTarget };
  } finally {
    await dir.close();
  }
}

function headerOf(name: string, st: Stats): EntryHeader {
  return { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

/**
 * The tar of `path` (a directory with everything under it, or one file; symlinks kept as
 * symlinks), named by the path's last component, as moby's archive of a container path.
 */
export function archivePath(root: ConfinedRoot, path: string, signal?: AbortSignal): Readable {
  const pack = tar.pack();
  const entry = (header: EntryHeader, body?: Readable) => packEntry(pack, header, body);
  const links = new Map<string, string>();
  /** One entry, `at` naming it inside its open parent; directories recurse through their own descriptor. */
  const add = async (at: string, name: string): Promise<void> => {
    signal?.throwIfAborted();
    // A bare /proc/self/fd/N is a directory we hold (a path ending in "/."): followed, not a link.
    const held = /^\/proc\/self\/fd\/\d+$/.test(at);
    const st = held ? await stat(at) : await lstat(at);
    const h = headerOf(name, st);
    if (st.isDirectory()) {
      const dir = await open(at, constants.O_RDONLY | constants.O_DIRECTORY | (held ? 0 : constants.O_NOFOLLOW));
      try {
        await entry({ ...h, type: 'directory', name: `${name}/` });
        for (const child of (await readdir(under(dir))).sort()) await add(under(dir, child), `${name}/${child}`);
      } finally {
        await dir.close();
      }
    } else if (st.isSymbolicLink()) {
      await entry({ ...h, type: 'symlink', linkname: await readlink(at) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first) return entry({ ...h, type: 'link', linkname: first });
      if (st.nlink > 1) links.set(key, name);
      // O_NONBLOCK: a file swapped for a FIFO must not hang the copy.
      const fh = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const now = await fh.stat();
        if (!now.isFile()) return;
        const body = now.size === 0 ? undefined : fh.createReadStream({ start: 0, end: now.size - 1, autoClose: false });
        await entry({ ...h, type: 'file', size: now.size }, body);
      } finally {
        await fh.close();
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      await entry({ ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) });
    } else if (st.isFIFO()) {
      await entry({ ...h, type: 'fifo' });
    }
    // sockets are not archived, as in Docker
  };
  void (async () => {
    const { dir, name } = await root.resolveParent(path);
    try {
      await add(name === '.' ? under(dir) : under(dir, name), lastName(path));
    } finally {
      await dir.close();
    }
  })().then(() => pack.finalize(), (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return pack as unknown as Readable;
}

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir: boolean;
  /** Owner of everything extracted (copyUIDGID: the container's user); else the tar's. */
  owner?: { uid: number; gid: number };
  signal?: AbortSignal;
}

/** Splits a tar entry name into components; `..` would leave the extraction point. */
function entryParts(name: string): string[] {
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw new InvalidArgument(`invalid tar entry name "${name}": it leaves the extraction directory`);
  return parts;
}

/** Removes what is at `name` in `dir` so an entry can take its place (a non-empty directory stays: refused). */
async function makeRoom(dir: FileHandle, name: string, existing: Stats, isDir: boolean, o: ExtractOptions, shown: string): Promise<boolean> {
  if (existing.isDirectory() && isDir) return false;
  if (o.noOverwriteDirNonDir && existing.isDirectory() !== isDir) {
    throw new InvalidArgument(existing.isDirectory()
      ? `cannot overwrite directory "${shown}" with non-directory "${shown}"`
      : `cannot overwrite non-directory "${shown}" with directory "${shown}"`);
  }
  if (existing.isDirectory()) {
    await rmdir(under(dir, name)).catch(() => {
      throw new Conflict(`cannot replace the non-empty directory "${shown}" with a non-directory`);
    });
  } else {
    await unlink(under(dir, name));
  }
  return true;
}

/**
 * Extracts a tar into the directory `dest` inside the root. Entries are created relative to
 * their confined parent directory, never through a path a container could redirect.
 */
export async function extractArchive(root: ConfinedRoot, dest: string, input: Readable, o: ExtractOptions): Promise<void> {
  const d = await root.resolveWithPath(dest, { followLast: true });
  const destIsDir = (await d.fh.stat()).isDirectory();
  await d.fh.close();
  if (!destIsDir) throw new InvalidArgument('extraction point is not a directory');
  const base = d.path === '/' ? '' : d.path;
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      place(root, base, h, stream as unknown as Readable, o).then(() => {
        stream.resume();
        next();
      }, (err: unknown) => {
        stream.resume();
        reject(err);
        extract.destroy();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  await done;
}

/** Owner, mode and time, set through the open descriptor (never a path that could be swapped). */
async function setMeta(fh: FileHandle, m: { uid: number; gid: number; mode: number; mtime: Date }): Promise<void> {
  await fh.chown(m.uid, m.gid);
  await fh.chmod(m.mode);
  await fh.utimes(m.mtime, m.mtime);
}

/** chmod of the node at `at` itself, never of what a symlink put in its place would name. */
async function chmodNode(at: string, mode: number): Promise<void> {
  const fh = await open(at, O_PATH | constants.O_NOFOLLOW);
  try {
    if ((await fh.stat()).isSymbolicLink()) return;
    await chmod(under(fh), mode);
  } finally {
    await fh.close();
  }
}

async function place(root: ConfinedRoot, base: string, h: tar.Header, body: Readable, o: ExtractOptions): Promise<void> {
  o.signal?.throwIfAborted();
  const parts = entryParts(h.name);
  if (!parts.length) return;
  const shown = `${base}/${parts.join('/')}`;
  const { dir, name } = await root.resolveParent(shown);
  try {
    const at = under(dir, name);
    const existing = await lstat(at).catch(() => undefined);
    const uid = o.owner?.uid ?? h.uid ?? 0;
    const gid = o.owner?.gid ?? h.gid ?? 0;
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();
    switch (h.type) {
      case 'directory': {
        if (!existing || (await makeRoom(dir, name, existing, true, o, shown))) await mkdir(at, { mode: 0o700 });
        const fh = await open(at, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        try {
          await setMeta(fh, { uid, gid, mode, mtime });
        } finally {
          await fh.close();
        }
        return;
      }
      case 'file':
      case 'contiguous-file': {
        if (existing) await makeRoom(dir, name, existing, false, o, shown);
        const fh = await open(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk as Buffer);
          await setMeta(fh, { uid, gid, mode, mtime });
        } finally {
          await fh.close();
        }
        return;
      }
      case 'symlink':
        if (existing) await makeRoom(dir, name, existing, false, o, shown);
        await symlink(h.linkname ?? '', at);
        await lchown(at, uid, gid);
        await lutimes(at, mtime, mtime);
        return;
      case 'link': {
        if (existing) await makeRoom(dir, name, existing, false, o, shown);
        const target = await root.resolveParent(`${base}/${entryParts(h.linkname ?? '').join('/')}`);
        try {
          await link(under(target.dir, target.name), at);
        } finally {
          await target.dir.close();
        }
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        if (existing) await makeRoom(dir, name, existing, false, o, shown);
        // Named through berthd's own descriptor of the confined parent: the mknod child resolves it.
        const kind = h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c';
        await makeSpecialFiles([{ path: `/proc/${process.pid}/fd/${dir.fd}/${name}`, kind, mode, major: h.devmajor ?? 0, minor: h.devminor ?? 0 }]);
        await lchown(at, uid, gid);
        // chown dropped any set-id bits mknod gave; chmod follows links, so it goes through the node's own descriptor.
        if (mode & 0o6000) await chmodNode(at, mode);
        await lutimes(at, mtime, mtime);
        return;
      }
      default:
        // Other types (sockets are never archived) have nothing to create: skipped, as moby does.
        return;
    }
  } finally {
    await dir.close();
  }
}
