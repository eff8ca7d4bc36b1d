/**
 * COPY and ADD: their sources matched in a source root (the context, or another stage's or
 * image's root filesystem) with Go's filepath.Match globs, a checksum of what they hold (the
 * cache key: names, types, modes and contents, never mtimes), and the copy into a root
 * filesystem. Sources and destinations are resolved inside their roots (resolveInRoot): a
 * symlink is copied as a link, never read through.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, lchown, lstat, lutimes, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import { basename, join, posix, relative } from 'node:path';
import { InvalidArgument, isNotFoundError } from '../common/errors.js';
import { decompressStream, detectCompression } from '../image/decompress-stream.js';
import { unpackLayer } from '../image/layer-unpacker.js';
import { resolveInRoot } from '../common/resolve-in-root.js';

export interface CopySource {
  /** Where it is on the host. */
  host: string;
  /** Its path in the source root, for messages and the checksum. */
  rel: string;
  isDir: boolean;
}

export interface CopyOwnership {
  uid: number;
  gid: number;
  /** --chmod: the mode of every file and directory copied. */
  mode?: number;
  /** Keep the owners of the source (ADD of a tar archive). */
  keepOwner?: boolean;
}

const GLOB_CHARS = /[*?[]/;

/** Go's filepath.Match for one path component. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new InvalidArgument(`syntax error in pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?!.)/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The sources a COPY/ADD argument names in `root`; throws Docker's errors when none. */
export async function matchSources(root: string, arg: string, keyword: string): Promise<CopySource[]> {
  const clean = posix.normalize(`/${arg}`).replace(/^\/+/, '');
  if (posix.normalize(arg).startsWith('../')) throw new InvalidArgument(`Forbidden path outside the build context: ${arg} ()`);
  if (!GLOB_CHARS.test(clean)) {
    // As moby's FollowSymlinkInScope: a link is followed, inside the root (`-> /etc/shadow` finds the root's etc).
    const host = await resolveInRoot(root, clean);
    const st = await lstat(host).catch((err: unknown) => {
      if (isNotFoundError(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!st) throw new InvalidArgument(`${keyword} failed: file not found in build context or excluded by .dockerignore: stat ${arg}: file does not exist`);
    return [{ host, rel: clean === '' ? '.' : clean, isDir: st.isDirectory() }];
  }
  let found: { host: string; rel: string }[] = [{ host: root, rel: '' }];
  for (const part of clean.split('/')) {
    const next: { host: string; rel: string }[] = [];
    for (const f of found) {
      const st = await lstat(f.host).catch(() => undefined);
      if (!st?.isDirectory()) continue;
      if (!GLOB_CHARS.test(part)) {
        next.push({ host: join(f.host, part), rel: f.rel ? `${f.rel}/${part}` : part });
        continue;
      }
      const re = globRegExp(part);
      for (const name of (await readdir(f.host)).sort()) {
        if (re.test(name)) next.push({ host: join(f.host, name), rel: f.rel ? `${f.rel}/${name}` : name });
      }
    }
    found = next;
  }
  const out: CopySource[] = [];
  for (const f of found) {
    const st = await lstat(f.host).catch(() => undefined);
    if (st) out.push({ ...f, isDir: st.isDirectory() });
  }
  if (out.length === 0) throw new InvalidArgument(`${keyword} failed: no source files were specified`);
  return out;
}

/** Files up to this size are hashed from one read; larger ones are streamed. */
const SMALL_FILE = 1 << 20;
/** Entries of a directory read side by side while checksumming. */
const READ_AHEAD = 32;

/** sha256 over the sources' names, types, modes, link targets and contents (mtimes left out). */
export async function sourcesChecksum(sources: CopySource[]): Promise<string> {
  const h = createHash('sha256');
  // What one entry adds to the hash, read ahead of hashing: a small file's bytes in one read.
  const load = async (host: string) => {
    const st = await lstat(host);
    const link = st.isSymbolicLink() ? await readlink(host) : undefined;
    const bytes = st.isFile() && st.size <= SMALL_FILE ? await readFile(host) : undefined;
    return { st, link, bytes };
  };
  const add = async (host: string, rel: string, loaded: Promise<Awaited<ReturnType<typeof load>>>): Promise<void> => {
    const { st, link, bytes } = await loaded;
    h.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
    if (link !== undefined) h.update(`link\0${link}\0`);
    else if (st.isFile()) {
      h.update(`file\0${st.size}\0`);
      if (bytes) h.update(bytes);
      else for await (const chunk of createReadStream(host)) h.update(chunk as Buffer);
    } else if (st.isDirectory()) {
      h.update('dir\0');
      const names = (await readdir(host)).sort();
      // A directory's entries are read a batch at a time, side by side, and hashed in order.
      for (let i = 0; i < names.length; i += READ_AHEAD) {
        const batch = names.slice(i, i + READ_AHEAD).map((name) => ({ name, loaded: load(join(host, name)) }));
        for (const b of batch) b.loaded.catch(() => {});
        for (const b of batch) await add(join(host, b.name), `${rel}/${b.name}`, b.loaded);
      }
    }
  };
  for (const s of sources) await add(s.host, s.rel, load(s.host));
  return h.digest('hex');
}

/**
 * Makes the directory `dir` (absolute in `root`) and its missing parents, owned by `own`.
 * Returns its host path.
 */
export async function ensureDir(root: string, dir: string, own: CopyOwnership): Promise<string> {
  const host = await resolveInRoot(root, dir);
  const first = await mkdir(host, { recursive: true, mode: 0o755 });
  if (first !== undefined && (own.uid !== 0 || own.gid !== 0)) {
    for (let p = host; p.length >= first.length; p = posix.dirname(p)) await lchown(p, own.uid, own.gid);
  }
  return host;
}

/**
 * Copies `src` (a file, link or directory on the host) to `dest` (a host path already resolved
 * inside `root`). A directory's contents are merged into `dest`; an existing non-directory at
 * the destination is replaced.
 */
export async function copyEntry(root: string, src: string, dest: string, own: CopyOwnership): Promise<void> {
  const st = await lstat(src);
  const uid = own.keepOwner ? st.uid : own.uid;
  const gid = own.keepOwner ? st.gid : own.gid;
  const existing = await lstat(dest).catch(() => undefined);
  if (st.isDirectory()) {
    let target = dest;
    if (existing?.isSymbolicLink()) target = await resolveInRoot(root, relative(root, dest));
    const there = existing?.isSymbolicLink() ? await lstat(target).catch(() => undefined) : existing;
    if (there && !there.isDirectory()) await rm(target, { force: true });
    if (!there?.isDirectory()) {
      await mkdir(target, { recursive: true });
    }
    // An existing directory keeps its owner and mode, as Docker's copy does.
    if (!there?.isDirectory() || own.mode !== undefined) {
      await lchown(target, uid, gid);
      await chmod(target, own.mode ?? st.mode & 0o7777);
    }
    for (const name of await readdir(src)) await copyEntry(root, join(src, name), join(target, name), own);
    await utimes(target, st.atime, st.mtime);
    return;
  }
  if (existing?.isDirectory()) throw new InvalidArgument(`cannot overwrite directory "/${relative(root, dest)}" with non-directory "${src}"`);
  if (existing) await rm(dest, { force: true });
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dest);
    await lchown(dest, uid, gid);
    await lutimes(dest, st.atime, st.mtime);
  } else if (st.isFile()) {
    await copyFile(src, dest);
    await lchown(dest, uid, gid);
    await chmod(dest, own.mode ?? st.mode & 0o7777);
    await utimes(dest, st.atime, st.mtime);
  }
  // Devices, fifos and sockets in a context are not copied, as Docker skips them.
}

/**
 * COPY/ADD of one source to `dest` (absolute in `root`, a trailing `/` for a directory): a
 * directory's contents go into it, a file into it or as it; with `extractTo` (ADD of a local
 * file), a tar archive is unpacked there instead, with the layer unpacker's confinement.
 */
export async function copySource(root: string, s: CopySource, dest: string, own: CopyOwnership, o: { extractTo?: string } = {}): Promise<void> {
  if (s.isDir) {
    const dir = await ensureDir(root, dest, own);
    for (const name of await readdir(s.host)) await copyEntry(root, join(s.host, name), join(dir, name), own);
    return;
  }
  if (o.extractTo !== undefined && (await isArchive(s.host))) {
    const dir = await ensureDir(root, dest, own);
    const tmp = await mkdtemp(join(o.extractTo, 'tar-'));
    try {
      await unpackLayer(await decompressStream(createReadStream(s.host)), tmp);
      for (const name of await readdir(tmp)) await copyEntry(root, join(tmp, name), join(dir, name), { ...own, keepOwner: true });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return;
  }
  const existing = await resolveInRoot(root, dest);
  const isDir = dest.endsWith('/') || (await stat(existing).then((st) => st.isDirectory(), () => false));
  if (isDir) {
    const dir = await ensureDir(root, dest, own);
    await copyEntry(root, s.host, join(dir, basename(s.rel)), own);
    return;
  }
  const parent = await ensureDir(root, posix.dirname(dest), own);
  await copyEntry(root, s.host, join(parent, posix.basename(dest)), own);
}

/** A tar, maybe compressed: what ADD unpacks instead of copying. */
async function isArchive(path: string): Promise<boolean> {
  const f = await open(path);
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await f.read(head, 0, 512, 0);
    if (detectCompression(head.subarray(0, bytesRead)) !== 'none') {
      const inner = await decompressStream(createReadStream(path, { end: 1 << 20 }));
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of inner) {
        chunks.push(c as Buffer);
        size += (c as Buffer).length;
        if (size >= 512) break;
      }
      inner.destroy();
      return isTarHeader(Buffer.concat(chunks));
    }
    return isTarHeader(head.subarray(0, bytesRead));
  } finally {
    await f.close();
  }
}

function isTarHeader(b: Buffer): boolean {
  return b.length >= 512 && b.subarray(257, 262).toString('latin1') === 'ustar';
}
