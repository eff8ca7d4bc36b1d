import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ApiError } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

interface CpOptions {
  archive?: boolean;
  followLink?: boolean;
}

/** docker's splitCpArg: `CONTAINER:PATH`, unless the argument is plainly a local path. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  return i > 0 ? { container: arg.slice(0, i), path: arg.slice(i + 1) } : { path: arg };
}

/** The tar of a local path, its top entry named `as`. */
function packLocal(src: string, as: string): Readable {
  const pack = tar.pack();
  const add = async (abs: string, name: string): Promise<void> => {
    const st = await lstat(abs);
    const h = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      await new Promise<void>((r, j) => pack.entry({ ...h, type: 'directory' }, (e) => (e ? j(e) : r())));
      for (const c of (await readdir(abs)).sort()) await add(join(abs, c), `${name}/${c}`);
    } else if (st.isSymbolicLink()) {
      const linkname = await readlink(abs);
      await new Promise<void>((r, j) => pack.entry({ ...h, type: 'symlink', linkname }, (e) => (e ? j(e) : r())));
    } else if (st.isFile()) {
      await new Promise<void>((r, j) => {
        const sink = pack.entry({ ...h, type: 'file', size: st.size }, (e) => (e ? j(e) : r()));
        pipeline(createReadStream(abs), sink as unknown as NodeJS.WritableStream).catch(j);
      });
    }
  };
  void add(src, as).then(() => pack.finalize(), (err: unknown) => pack.destroy(err as Error));
  // A Node stream (tar-stream's is its own kind), which the client sends as a request body.
  const out = new PassThrough();
  pack.on('error', (err) => out.destroy(err));
  pack.pipe(out);
  return out;
}

/** Extracts a container's tar under `dir`, its top entry renamed to `as` (entries never leave `dir`). */
async function extractLocal(input: Readable, dir: string, as: string | undefined): Promise<void> {
  const extract = tar.extract();
  const root = resolve(dir);
  extract.on('entry', (h, stream, next) => {
    void (async () => {
      const parts = h.name.split('/').filter((p) => p && p !== '.');
      if (parts.includes('..')) throw new Error(`invalid archive entry ${JSON.stringify(h.name)}`);
      if (as !== undefined) parts[0] = as;
      if (!parts.length) return;
      const target = join(root, ...parts);
      const mode = (h.mode ?? 0o644) & 0o7777;
      if (h.type === 'directory') await mkdir(target, { recursive: true, mode });
      else if (h.type === 'symlink') await symlink(h.linkname ?? '', target);
      else if (h.type === 'file') {
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        await writeFile(target, Buffer.concat(chunks), { mode });
        await chmod(target, mode);
      }
      if (h.type !== 'symlink' && h.mtime) await utimes(target, h.mtime, h.mtime).catch(() => {});
    })().then(() => {
      stream.resume();
      next();
    }, (err: unknown) => extract.destroy(err as Error));
  });
  await pipeline(input, extract);
}

async function localStat(path: string) {
  return stat(path).catch(() => undefined);
}

/** `berth cp [-a] [-L] SRC DEST`: files between a container and the local filesystem (or a tar on stdio). */
export function cpCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({
    name: 'cp',
    description: 'Copy files/folders between a container and the local filesystem',
    usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  })
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH');
  return onAction<CpOptions>(cmd, ctx, { args: { exact: 2 }, run: async ([srcArg, destArg], opts) => {
    const src = splitCpArg(srcArg!);
    const dest = splitCpArg(destArg!);
    if (src.container && dest.container) throw new StatusError(1, 'copying between containers is not supported\n');
    if (!src.container && !dest.container) throw new StatusError(1, 'must specify at least one container source\n');
    const c = ctx.client.containers;
    if (src.container) {
      let path = src.path;
      if (opts.followLink) {
        const st = await c.statPath(src.container, path);
        if (st.linkTarget) path = st.linkTarget;
      }
      const { stat: st, tar: archive } = await c.getArchive(src.container, path);
      if (dest.path === '-') {
        await pipeline(archive, ctx.streams.stdout, { end: false });
        return;
      }
      const local = await localStat(dest.path);
      const isDir = (st.mode & 0x80000000) !== 0;
      if (local?.isDirectory() && !path.endsWith('/.')) return extractLocal(archive, dest.path, undefined);
      if (local && !local.isDirectory() && isDir) throw new StatusError(1, `cannot copy a directory to a file: ${dest.path}\n`);
      if (path.endsWith('/.')) {
        await mkdir(dest.path, { recursive: true });
        return extractLocal(archive, dest.path, undefined);
      }
      if (!(await localStat(dirname(dest.path)))?.isDirectory()) throw new StatusError(1, `no such directory: ${dirname(dest.path)}\n`);
      return extractLocal(archive, dirname(dest.path), basename(dest.path));
    }
    const container = dest.container!;
    const body = src.path === '-' ? ctx.streams.stdin as Readable : undefined;
    const existing = await c.statPath(container, dest.path).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
    const put = (dir: string, archive: Readable) => c.putArchive(container, dir, archive, { noOverwriteDirNonDir: true, copyUIDGID: Boolean(opts.archive) });
    if (body) return put(dest.path, body);
    const local = await lstat(src.path).catch(() => {
      throw new StatusError(1, `lstat ${resolve(src.path)}: no such file or directory\n`);
    });
    const name = basename(resolve(src.path));
    if (existing && (existing.mode & 0x80000000) !== 0) return put(dest.path, packLocal(src.path, name));
    if (existing && local.isDirectory()) throw new StatusError(1, `cannot copy a directory to a file: ${dest.path}\n`);
    return put(dirname(dest.path) || '/', packLocal(src.path, basename(dest.path)));
  } });
}
