/**
 * Applies a layer tar (uncompressed) to a directory in the overlay format: whiteouts become
 * 0/0 character devices and opaque directories get `trusted.overlay.opaque=y`.
 *
 * Confinement: every path is resolved component by component inside the root and never through
 * a symlink. Entry names with `..` are refused, absolute names are taken relative to the root, a
 * parent that is a symlink (or not a directory) is an error, a hard link must name a file that is
 * already in the layer, and files are created with O_EXCL so that a final symlink is never
 * followed. Only this unpacker writes into the directory while it runs (the snapshotter hands it
 * a private one), which is why a path checked once stays checked.
 *
 * Speed: small files are read into memory and written by a bounded pool of concurrent tasks while
 * the tar is parsed; owners and modes are set only when they differ from what creation gives;
 * directory metadata is applied once at the end, deepest first (after their contents, so mtimes
 * stick). Device nodes, fifos and whiteouts go to one `mknod` shell batch and extended attributes
 * to one `setfattr` batch, because Node has neither mknod(2) nor setxattr(2). No fsync per file.
 */
import * as fs from 'node:fs';
import { constants } from 'node:fs';
import { lchown, link, lstat, lutimes, mkdir, chmod, chown, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BerthError, InvalidArgument, errnoCode, isNotFoundError, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { withContext } from './errors.js';
import { setXattrs, type XattrItem } from './set-xattrs.js';
import { smallFileWriter } from './small-file-writer.js';
import { pathExists } from '../common/path-exists.js';
import { makeSpecialFiles, type SpecialFile } from '../common/make-special-files.js';

export interface UnpackOptions {
  /** Give files the owners in the tar; by default when running as root. */
  preserveOwnership?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface UnpackResult {
  /** Bytes of regular files, hard links not counted again: Docker's layer size. */
  size: number;
  entries: number;
}

const whiteoutPrefix = '.wh.';
const opaqueWhiteout = '.wh..wh..opq';
/** Files up to this size are buffered and written in the background, by worker threads. */
const smallFile = 512 * 1024;
const maxTasks = 512;
const maxTaskBytes = 16 << 20;
/** Bytes of a large file gathered before one writev(2). */
const writeBatch = 1 << 20;
const mknodBatch = 500;

/** Extended attributes an image may set; trusted.* (overlay's own) and ACLs are not taken from images. */
function isAllowedXattr(name: string): boolean {
  return name.startsWith('user.') || name === 'security.capability';
}

interface DirMeta {
  mode: number;
  /** The mode mkdir gave it, or undefined when not made by this unpack. */
  created?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

interface NodeSpec {
  rel: string;
  kind: 'c' | 'b' | 'p';
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  mtime?: Date;
  whiteout?: boolean;
}

type Header = Omit<tar.Header, 'pax' | 'type'> & { type: tar.Header['type'] | null; pax?: Record<string, string> | null };
type Body = AsyncIterable<Buffer> & { resume(): unknown };

/** Applies the tar `stream` to `dir`; see the module comment for the guarantees. */
export async function unpackLayer(stream: Readable, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const unpacker = new LayerUnpacker(dir, options);
  return unpacker.run(stream);
}

export class LayerUnpacker {
  /** Relative paths known to be real directories (not symlinks) inside the root. */
  private readonly dirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, DirMeta>();
  private readonly nodes = new Map<string, NodeSpec>();
  private readonly opaque = new Set<string>();
  private readonly xattrs: { rel: string; name: string; value: Buffer }[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private readonly pathTasks = new Map<string, Promise<void>>();
  private taskError: unknown;
  private taskBytes = 0;
  private readonly preserveOwnership: boolean;
  private readonly uid: number;
  private readonly gid: number;
  private readonly umask: number;
  private readonly log: Logger;
  private size = 0;
  private entries = 0;

  constructor(private readonly root: string, private readonly options: UnpackOptions = {}) {
    this.uid = process.geteuid?.() ?? 0;
    this.gid = process.getegid?.() ?? 0;
    this.preserveOwnership = options.preserveOwnership ?? this.uid === 0;
    this.log = options.log ?? silentLogger;
    // process.umask() with no argument is deprecated; setting it back at once is the way to read it.
    const u = process.umask(0o022);
    process.umask(u);
    this.umask = u;
  }

  async run(stream: Readable): Promise<UnpackResult> {
    // allowUnknownFormat takes pre-POSIX (v7) tars, as Go's archive/tar does; the typings omit it.
    const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
    const { signal } = this.options;
    const onAbort = () => extract.destroy(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    let sourceError: unknown;
    stream.on('error', (err) => {
      sourceError = err;
      extract.destroy(err);
    });
    stream.pipe(extract as unknown as NodeJS.WritableStream);
    try {
      for await (const entry of extract) {
        signal?.throwIfAborted();
        this.throwTaskError();
        const header = entry.header as unknown as Header;
        try {
          await this.apply(header, entry as unknown as Body);
        } catch (err) {
          throw withContext(`unpack "${header.name}"`, err);
        }
        // A body that apply() did not read (links, dirs, skipped entries) must still be drained.
        entry.resume();
      }
      signal?.throwIfAborted();
      await this.drain();
      await this.finish();
      return { size: this.size, entries: this.entries };
    } catch (err) {
      // The caller owns `stream` (it may be a request whose response is still to be sent).
      stream.unpipe(extract as unknown as NodeJS.WritableStream);
      extract.destroy();
      await this.drain().catch(() => {});
      if (err === sourceError || err instanceof BerthError || signal?.aborted) throw err;
      // What is left comes from tar-stream: the archive itself is malformed.
      throw new InvalidArgument(`read layer tar: ${messageOf(err)}`, { cause: err });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async apply(h: Header, body: Body): Promise<void> {
    this.entries++;
    const parts = splitPath(h.name);
    const base = parts[parts.length - 1];

    if (base !== undefined && base.startsWith(whiteoutPrefix)) {
      const parent = parts.slice(0, -1);
      await this.ensureDir(parent);
      const parentRel = parent.join('/');
      if (base === opaqueWhiteout) {
        this.opaque.add(parentRel);
      } else if (base.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) {
        // aufs metadata (.wh..wh.plnk and friends): not part of the filesystem.
      } else {
        const name = base.slice(whiteoutPrefix.length);
        if (name === '' || name === '.' || name === '..') throw new InvalidArgument(`invalid whiteout "${h.name}"`);
        const rel = joinRel(parentRel, name);
        await this.pathTasks.get(rel);
        // A whiteout hides lower layers only: what this layer already put there stays, and a
        // directory of this layer must then not show the lower one through it.
        if (this.dirs.has(rel)) {
          this.opaque.add(rel);
          return;
        }
        if (await pathExists(join(this.root, rel))) return;
        this.nodes.set(rel, { rel, kind: 'c', mode: 0, major: 0, minor: 0, uid: num(h, 'uid'), gid: num(h, 'gid'), whiteout: true });
      }
      return;
    }

    const rel = parts.join('/');
    const mode = (h.mode ?? 0o644) & 0o7777;
    const uid = num(h, 'uid');
    const gid = num(h, 'gid');
    const mtime = mtimeOf(h);

    switch (h.type) {
      case 'directory': {
        if (rel === '') {
          this.dirMeta.set('', { mode, uid, gid, mtime });
          return;
        }
        await this.ensureDir(parts.slice(0, -1));
        const created = await this.makeDir(rel, mode);
        this.dirMeta.set(rel, { mode, uid, gid, mtime, created });
        return;
      }
      case 'file':
      case 'contiguous-file': {
        const size = h.size ?? 0;
        this.size += size;
        const abs = await this.prepareLeaf(parts, rel);
        this.collectXattrs(h, rel);
        if (size <= smallFile) {
          const data = size === 0 ? Buffer.alloc(0) : await readAll(body, size);
          await this.spawnTask(rel, () => this.writeSmallFile(abs, data, mode, uid, gid, mtime), data.length);
        } else {
          await this.writeFile(abs, body, mode, uid, gid, mtime);
        }
        return;
      }
      case 'symlink': {
        const abs = await this.prepareLeaf(parts, rel);
        await symlinkReplacing(h.linkname ?? '', abs);
        if (this.needsChown(uid, gid)) await lchown(abs, uid, gid);
        if (mtime) await lutimes(abs, mtime, mtime);
        return;
      }
      case 'link': {
        const targetParts = splitPath(h.linkname ?? '');
        const targetRel = targetParts.join('/');
        if (targetRel === '') throw new InvalidArgument(`hard link "${h.name}" has no target`);
        await this.checkExistingParents(targetParts.slice(0, -1));
        await this.pathTasks.get(targetRel);
        if (this.nodes.has(targetRel)) await this.flushNodes();
        const target = join(this.root, targetRel);
        let st;
        try {
          st = await lstat(target);
        } catch (err) {
          if (isNotFoundError(err)) throw new InvalidArgument(`hard link target "${h.linkname}" is not in the layer`, { cause: err });
          throw err;
        }
        if (st.isDirectory()) throw new InvalidArgument(`hard link target "${h.linkname}" is a directory`);
        const abs = await this.prepareLeaf(parts, rel);
        if (rel === targetRel) return;
        try {
          await link(target, abs);
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
          await rm(abs, { recursive: true, force: true });
          await link(target, abs);
        }
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const abs = await this.prepareLeaf(parts, rel);
        await rm(abs, { recursive: true, force: true });
        const kind = h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c';
        this.nodes.set(rel, { rel, kind, mode, major: h.devmajor ?? 0, minor: h.devminor ?? 0, uid, gid, mtime });
        this.collectXattrs(h, rel);
        return;
      }
      default:
        this.log.warn('skipping tar entry of unsupported type', { name: h.name, type: h.type });
    }
  }

  private throwTaskError(): void {
    if (this.taskError !== undefined) throw this.taskError;
  }

  /**
   * Runs `fn` in the background after any earlier task on `rel`; at most maxTasks at once, holding
   * at most maxTaskBytes of file data.
   */
  private async spawnTask(rel: string, fn: () => Promise<void>, bytes: number): Promise<void> {
    while (this.tasks.size >= maxTasks || (this.taskBytes >= maxTaskBytes && this.tasks.size > 0)) await Promise.race(this.tasks);
    this.throwTaskError();
    const before = this.pathTasks.get(rel);
    this.taskBytes += bytes;
    const p: Promise<void> = (before ? before.then(fn) : fn())
      .catch((err: unknown) => {
        this.taskError ??= withContext(`unpack "${rel}"`, err);
      })
      .finally(() => {
        this.taskBytes -= bytes;
        this.tasks.delete(p);
        if (this.pathTasks.get(rel) === p) this.pathTasks.delete(rel);
      });
    this.tasks.add(p);
    this.pathTasks.set(rel, p);
  }

  private async drain(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all(this.tasks);
    this.throwTaskError();
  }

  private needsChown(uid: number, gid: number): boolean {
    return this.preserveOwnership && (uid !== this.uid || gid !== this.gid);
  }

  private writeSmallFile(abs: string, data: Buffer, mode: number, uid: number, gid: number, mtime: Date | undefined): Promise<void> {
    const createMode = mode & 0o777;
    const chowned = this.needsChown(uid, gid);
    // chown clears set-id bits, and creation masks with the umask: only then is a chmod needed.
    const chmod = (createMode & ~this.umask) !== mode || (chowned && (mode & 0o6000) !== 0);
    return smallFileWriter.write({
      path: abs, data, createMode,
      ...(chowned ? { chown: [uid, gid] as [number, number] } : {}),
      ...(chmod ? { chmod: mode } : {}),
      ...(mtime ? { mtime } : {}),
    });
  }

  private async writeFile(abs: string, body: Body, mode: number, uid: number, gid: number, mtime: Date | undefined): Promise<void> {
    const createMode = mode & 0o777;
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    let fd: number;
    try {
      fd = await fdOpen(abs, flags, createMode);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // A duplicate entry: the later one wins, as the layer spec says.
      await rm(abs, { recursive: true, force: true });
      fd = await fdOpen(abs, flags, createMode);
    }
    try {
      // Tar bodies arrive in decompressor-sized chunks: one writev per MiB, one in flight.
      let batch: Buffer[] = [];
      let bytes = 0;
      let writing: Promise<void> = Promise.resolve();
      for await (const chunk of body) {
        batch.push(chunk);
        bytes += chunk.length;
        if (bytes >= writeBatch) {
          await writing;
          writing = fdWritevAll(fd, batch);
          batch = [];
          bytes = 0;
        }
      }
      await writing;
      if (batch.length) await fdWritevAll(fd, batch);
      const chowned = this.needsChown(uid, gid);
      if (chowned) await fdCall<void>((cb) => fs.fchown(fd, uid, gid, cb));
      // chown clears set-id bits, and creation masks with the umask: only then is a chmod needed.
      if ((createMode & ~this.umask) !== mode || (chowned && (mode & 0o6000) !== 0)) await fdCall<void>((cb) => fs.fchmod(fd, mode, cb));
      if (mtime) await fdCall<void>((cb) => fs.futimes(fd, mtime, mtime, cb));
    } finally {
      await fdCall<void>((cb) => fs.close(fd, cb));
    }
  }

  /** Makes sure every component of `parts` is a real directory, creating missing ones (0755). */
  private async ensureDir(parts: string[]): Promise<void> {
    let rel = '';
    for (const part of parts) {
      rel = joinRel(rel, part);
      if (this.dirs.has(rel)) continue;
      const abs = join(this.root, rel);
      await this.pathTasks.get(rel);
      this.replacePendingNode(rel, true);
      try {
        await mkdir(abs, 0o755);
        if (!this.dirMeta.has(rel)) this.dirMeta.set(rel, { mode: 0o755, created: 0o755 & ~this.umask });
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        const st = await lstat(abs);
        if (st.isSymbolicLink()) throw new InvalidArgument(`parent "${rel}" is a symlink`);
        if (!st.isDirectory()) throw new InvalidArgument(`parent "${rel}" is not a directory`);
      }
      this.dirs.add(rel);
    }
  }

  /** Like ensureDir, but creates nothing: for the parents of a hard link target. */
  private async checkExistingParents(parts: string[]): Promise<void> {
    let rel = '';
    for (const part of parts) {
      rel = joinRel(rel, part);
      if (this.dirs.has(rel)) continue;
      let st;
      try {
        st = await lstat(join(this.root, rel));
      } catch (err) {
        if (isNotFoundError(err)) throw new InvalidArgument(`hard link target directory "${rel}" is not in the layer`, { cause: err });
        throw err;
      }
      if (!st.isDirectory()) throw new InvalidArgument(`hard link target parent "${rel}" is not a directory`);
      this.dirs.add(rel);
    }
  }

  /** Parents exist and are real directories; returns the absolute path of the leaf. */
  private async prepareLeaf(parts: string[], rel: string): Promise<string> {
    if (rel === '') throw new InvalidArgument('the root can only be a directory');
    await this.ensureDir(parts.slice(0, -1));
    await this.pathTasks.get(rel);
    this.replacePendingNode(rel, false);
    if (this.dirs.has(rel)) await this.removeTree(rel);
    return join(this.root, rel);
  }

  /** Returns the mode it was created with, or undefined if it existed. */
  private async makeDir(rel: string, mode: number): Promise<number | undefined> {
    const abs = join(this.root, rel);
    await this.pathTasks.get(rel);
    this.replacePendingNode(rel, true);
    // Owner rwx while unpacking, so that an unprivileged unpack can fill a read-only directory.
    const createMode = (mode & 0o777) | 0o700;
    let created: number | undefined = createMode & ~this.umask;
    try {
      await mkdir(abs, createMode);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const st = await lstat(abs);
      if (st.isDirectory()) {
        created = undefined;
      } else {
        await rm(abs, { force: true });
        await mkdir(abs, createMode);
      }
    }
    this.dirs.add(rel);
    return created;
  }

  /**
   * A later entry at the path of a queued node wins. If the node was a whiteout and the entry a
   * directory, the lower directory must stay hidden: the new one becomes opaque.
   */
  private replacePendingNode(rel: string, isDir: boolean): void {
    const node = this.nodes.get(rel);
    if (!node) return;
    this.nodes.delete(rel);
    if (isDir && node.whiteout) this.opaque.add(rel);
  }

  /**
   * Removes the directory `rel` that a later entry replaces (the layer spec: the later entry
   * wins), and forgets all that was known below it. Runs in the main flow, never in a task.
   */
  private async removeTree(rel: string): Promise<void> {
    // Background writes may target files below it.
    await this.drain();
    const prefix = `${rel}/`;
    const below = (p: string) => p === rel || p.startsWith(prefix);
    for (const d of [...this.dirs]) if (below(d)) this.dirs.delete(d);
    for (const d of [...this.dirMeta.keys()]) if (below(d)) this.dirMeta.delete(d);
    for (const n of [...this.nodes.keys()]) if (below(n)) this.nodes.delete(n);
    for (const o of [...this.opaque]) if (below(o)) this.opaque.delete(o);
    for (let i = this.xattrs.length - 1; i >= 0; i--) if (below(this.xattrs[i]!.rel)) this.xattrs.splice(i, 1);
    await rm(join(this.root, rel), { recursive: true, force: true });
  }

  private collectXattrs(h: Header, rel: string): void {
    if (!h.pax) return;
    for (const [key, value] of Object.entries(h.pax as Record<string, string>)) {
      if (!key.startsWith('SCHILY.xattr.')) continue;
      const name = key.slice('SCHILY.xattr.'.length);
      if (!isAllowedXattr(name)) {
        this.log.debug('skipping extended attribute', { path: rel, name });
        continue;
      }
      if (value.includes('\ufffd')) {
        // tar-stream decodes PAX values as UTF-8, so a binary value arrives damaged.
        this.log.warn('skipping binary extended attribute', { path: rel, name });
        continue;
      }
      this.xattrs.push({ rel, name, value: Buffer.from(value, 'utf8') });
    }
  }

  private async flushNodes(): Promise<void> {
    const specs = [...this.nodes.values()];
    this.nodes.clear();
    for (let i = 0; i < specs.length; i += mknodBatch) {
      const batch = specs.slice(i, i + mknodBatch);
      const files: SpecialFile[] = [];
      for (const n of batch) {
        // Re-checked here because the nodes were queued earlier in the stream.
        await this.checkExistingParents(splitPath(n.rel).slice(0, -1));
        files.push({ path: join(this.root, n.rel), kind: n.kind, mode: n.mode, major: n.major, minor: n.minor });
      }
      await makeSpecialFiles(files);
      await Promise.all(batch.map(async (n) => {
        const abs = join(this.root, n.rel);
        if (this.needsChown(n.uid, n.gid)) {
          await lchown(abs, n.uid, n.gid);
          if (n.mode & 0o6000) await chmod(abs, n.mode);
        }
        if (n.mtime) await lutimes(abs, n.mtime, n.mtime);
      }));
    }
  }

  private async finish(): Promise<void> {
    await this.flushNodes();
    const items: XattrItem[] = [];
    for (const rel of this.opaque) items.push({ path: join(this.root, rel), name: 'trusted.overlay.opaque', value: Buffer.from('y') });
    for (const x of this.xattrs) {
      await this.checkExistingParents(splitPath(x.rel).slice(0, -1));
      items.push({ path: join(this.root, x.rel), name: x.name, value: x.value });
    }
    await setXattrs(items);
    // Deepest first, so that setting a child's times does not change its parent's mtime afterwards.
    const dirs = [...this.dirMeta].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, meta] of dirs) {
      const abs = rel === '' ? this.root : join(this.root, rel);
      const chowned = meta.uid !== undefined && meta.gid !== undefined && this.needsChown(meta.uid, meta.gid);
      if (chowned) await chown(abs, meta.uid!, meta.gid!);
      if (meta.created !== meta.mode || (chowned && (meta.mode & 0o6000) !== 0)) await chmod(abs, meta.mode);
      if (meta.mtime) await utimes(abs, meta.mtime, meta.mtime);
    }
  }
}

/*
 * The callback API with plain fds: per call it costs a fraction of what fs/promises' FileHandle
 * does, which dominated the unpack of many small files.
 */
function fdCall<T>(fn: (cb: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

function fdOpen(path: string, flags: number, mode: number): Promise<number> {
  return fdCall<number>((cb) => fs.open(path, flags, mode, cb));
}

async function fdWriteAll(fd: number, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) off += await fdCall<number>((cb) => fs.write(fd, buf, off, buf.length - off, null, cb));
}

async function fdWritevAll(fd: number, bufs: Buffer[]): Promise<void> {
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const written = await fdCall<number>((cb) => fs.writev(fd, bufs, null, cb));
  // A short writev (rare: a full disk or a signal) finishes with plain writes.
  if (written < total) await fdWriteAll(fd, Buffer.concat(bufs).subarray(written));
}


function depth(rel: string): number {
  if (rel === '') return 0;
  let n = 1;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return n;
}

/**
 * Path components of a tar name inside the root: `/abs` and `./x` become relative, empty and `.`
 * components vanish, and `..` is refused rather than resolved.
 */
export function splitPath(name: string): string[] {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new InvalidArgument(`path "${name}" leaves the layer`);
    if (part.includes('\0')) throw new InvalidArgument(`path "${name}" has a NUL byte`);
    parts.push(part);
  }
  return parts;
}

function joinRel(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}

function num(h: Header, field: 'uid' | 'gid'): number {
  const pax = h.pax?.[field];
  if (pax !== undefined && /^\d+$/.test(pax)) return Number(pax);
  return h[field] ?? 0;
}

function mtimeOf(h: Header): Date | undefined {
  const pax = h.pax?.mtime;
  if (pax !== undefined && /^-?\d+(\.\d+)?$/.test(pax)) return new Date(Number(pax) * 1000);
  return h.mtime;
}

async function readAll(body: Body, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    n += chunk.length;
  }
  if (n !== size) throw new InvalidArgument(`short file: ${n} of ${size} bytes`);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n);
}

async function symlinkReplacing(target: string, abs: string): Promise<void> {
  try {
    await symlink(target, abs);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    await rm(abs, { recursive: true, force: true });
    await symlink(target, abs);
  }
}
