/**
 * Writes a directory as a tar stream: a container's upper dir as a layer diff (overlay whiteouts
 * become `.wh.` entries, opaque directories `.wh..wh..opq`), or a merged root filesystem for
 * export. Entries are sorted by name so that the same tree gives the same bytes (and diff id);
 * hard links are kept as links; nothing outside the directory is followed.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { Internal, messageOf } from '../common/errors.js';

type EntryHeader = Parameters<tar.Pack['entry']>[0];

export interface LayerTarOptions {
  /** Turn overlay whiteouts (0/0 character devices, opaque xattrs) into AUFS-style `.wh.` entries. */
  overlayWhiteouts?: boolean;
  signal?: AbortSignal;
}

/** Adds one entry to a tar being packed; resolves once its body has gone in. */
export function packEntry(pack: tar.Pack, header: EntryHeader, body?: Readable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!body) {
      // tar-stream waits for the body of any file entry, even an empty one: give it one.
      if (header.type === 'file') pack.entry(header, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    body.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    body.pipe(sink as unknown as NodeJS.WritableStream);
  });
}

/** The tar of `dir`; the stream errors if the walk fails. */
export function writeLayerTar(dir: string, options: LayerTarOptions = {}): Readable {
  const pack = tar.pack();
  void fill(pack, dir, options).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return pack as unknown as Readable;
}

async function fill(pack: tar.Pack, root: string, options: LayerTarOptions): Promise<void> {
  const opaque = options.overlayWhiteouts ? await opaqueDirs(root) : new Set<string>();
  const links = new Map<bigint, string>();
  const entry = (header: EntryHeader, body?: Readable) => packEntry(pack, header, body);
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel === '' ? root : join(root, rel))).sort();
    for (const name of names) {
      options.signal?.throwIfAborted();
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, relPath);
      const st = await lstat(abs, { bigint: true });
      const base = {
        mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtime: new Date(Number(st.mtimeMs)),
      };
      if (st.isDirectory()) {
        await entry({ ...base, name: `${relPath}/`, type: 'directory' });
        if (opaque.has(relPath)) await entry({ ...base, name: `${relPath}/.wh..wh..opq`, type: 'file', mode: 0, size: 0 });
        await walk(relPath);
      } else if (st.isCharacterDevice() && options.overlayWhiteouts && st.rdev === 0n) {
        await entry({ ...base, name: rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`, type: 'file', mode: 0, size: 0 });
      } else if (st.isFile()) {
        const first = st.nlink > 1n ? links.get(st.ino) : undefined;
        if (first !== undefined) {
          await entry({ ...base, name: relPath, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1n) links.set(st.ino, relPath);
        const size = Number(st.size);
        await entry({ ...base, name: relPath, type: 'file', size }, size > 0 ? createReadStream(abs, { highWaterMark: 1 << 20 }) : undefined);
      } else if (st.isSymbolicLink()) {
        await entry({ ...base, name: relPath, type: 'symlink', linkname: await readlink(abs) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const rdev = st.rdev;
        const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
        const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
        await entry({ ...base, name: relPath, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major, devminor: minor });
      } else if (st.isFIFO()) {
        await entry({ ...base, name: relPath, type: 'fifo' });
      }
      // Sockets are not archived, as tar does.
    }
  };
  await walk('');
}

/** Directories below `root` marked opaque by overlayfs (one getfattr run for the whole tree). */
function opaqueDirs(root: string): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('getfattr', ['-R', '-h', '--absolute-names', '-n', 'trusted.overlay.opaque', '-e', 'text', root], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (err) => reject(new Internal(`read overlay attributes: ${messageOf(err)}`, { cause: err })));
    child.on('close', () => {
      const dirs = new Set<string>();
      let file: string | undefined;
      for (const line of out.split('\n')) {
        if (line.startsWith('# file: ')) file = unquote(line.slice(8));
        else if (file !== undefined && /^trusted\.overlay\.opaque="y"$/.test(line)) {
          if (file.startsWith(`${root}/`)) dirs.add(file.slice(root.length + 1));
        }
      }
      resolve(dirs);
    });
  });
}

/** getfattr's quoting: `\ooo` octal escapes. */
function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i]!));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
