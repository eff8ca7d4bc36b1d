/**
 * The build context as the docker CLI sends it: the directory as a tar, without what its
 * `.dockerignore` excludes (Docker's matching rules, @balena/dockerignore), owners set to root,
 * symlinks archived as links (never followed).
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import tar from 'tar-stream';

export interface ContextTarOptions {
  /** A Dockerfile from outside the context: added under `name`. */
  extraFile?: { name: string; content: Buffer };
}

export function contextTar(dir: string, o: ContextTarOptions = {}): Readable {
  const pack = tar.pack();
  void fill(pack, dir, o).then(() => pack.finalize(), (err: unknown) => pack.destroy(err as Error));
  // A Node stream: the HTTP client takes those (tar-stream's are streamx streams).
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

async function fill(pack: tar.Pack, dir: string, o: ContextTarOptions): Promise<void> {
  const patterns = (await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => ''))
    .split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  // The package is CommonJS (module.exports = factory) with an ES-style default in its types.
  const ig = (dockerignore as unknown as typeof dockerignore.default)().add(patterns);
  type EntryHeader = Parameters<tar.Pack['entry']>[0];
  const put = (header: EntryHeader, body?: Readable | Buffer) => new Promise<void>((resolve, reject) => {
    if (body === undefined && header.type !== 'file') {
      pack.entry(header, (err) => (err ? reject(err) : resolve()));
      return;
    }
    if (body === undefined || Buffer.isBuffer(body)) {
      // tar-stream waits for the body of any file entry, even an empty one: give it one.
      pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    body.on('error', reject);
    body.pipe(sink as unknown as NodeJS.WritableStream);
  });
  // Every path first: an excluded directory is still entered, an exception may bring back what is below.
  const paths: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(rel ? join(dir, rel) : dir)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      paths.push(p);
      if ((await lstat(join(dir, p))).isDirectory()) await walk(p);
    }
  };
  await walk('');
  const kept = new Set(paths.filter((p) => !ig.ignores(p)));
  for (const p of kept) for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) kept.add(p.slice(0, i));
  for (const p of paths.filter((x) => kept.has(x))) {
    const st = await lstat(join(dir, p));
    const base = { name: p, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
    if (st.isDirectory()) await put({ ...base, type: 'directory' });
    else if (st.isSymbolicLink()) await put({ ...base, type: 'symlink', linkname: await readlink(join(dir, p)) });
    else if (st.isFile()) await put({ ...base, type: 'file', size: st.size }, st.size ? createReadStream(join(dir, p)) : undefined);
  }
  if (o.extraFile) await put({ name: o.extraFile.name, type: 'file', mode: 0o644, size: o.extraFile.content.length }, o.extraFile.content);
}
