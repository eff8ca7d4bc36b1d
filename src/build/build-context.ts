/**
 * The build context: the tar a client sends (gzip, bzip2, xz or zstd accepted) unpacked into a
 * private directory with the layer unpacker's confinement (no entry lands outside it, no symlink
 * is followed while unpacking), then filtered by its `.dockerignore` with Docker's matching
 * rules (@balena/dockerignore), as moby does for clients that did not filter it themselves.
 */
import { lstat, mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { InvalidArgument, isNotFoundError } from '../common/errors.js';
import { decompressStream } from '../image/decompress-stream.js';
import { unpackLayer } from '../image/layer-unpacker.js';
import { resolveInRoot } from '../common/resolve-in-root.js';

export interface BuildContext {
  dir: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  remove(): Promise<void>;
}

/** Unpacks `body` under `tmpRoot` and reads the Dockerfile named `dockerfilePath` in it. */
export async function openBuildContext(body: Readable, o: { tmpRoot: string; dockerfilePath: string; signal?: AbortSignal }): Promise<BuildContext> {
  const dir = await mkdtemp(join(o.tmpRoot, 'ctx-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await unpackLayer(completeTar(await decompressStream(body)), dir, { signal: o.signal });
    const name = o.dockerfilePath || 'Dockerfile';
    let text: string | undefined;
    for (const candidate of name === 'Dockerfile' ? ['Dockerfile', 'dockerfile'] : [name]) {
      text = await readFile(await resolveInRoot(dir, candidate), 'utf8').catch((err: unknown) => {
        if (isNotFoundError(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
        throw err;
      });
      if (text !== undefined) break;
    }
    if (text === undefined) throw new InvalidArgument(`Cannot locate specified Dockerfile: ${name}`);
    const patterns = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
    await applyDockerignore(dir, patterns);
    return { dir, dockerfile: text, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * The tar with its last block padded and an end-of-archive marker: the docker CLI sends a
 * context whose Dockerfile came from stdin (`-f -`) without either, and Go's reader takes it.
 * A client that goes away mid-upload is a stream error, never a clean end, so nothing truncated
 * is padded into looking whole.
 */
function completeTar(tar: Readable): Readable {
  let size = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      cb(null, Buffer.alloc(((512 - (size % 512)) % 512) + 1024));
    },
  });
  tar.on('error', (err) => out.destroy(err));
  return tar.pipe(out);
}

/** The patterns of a .dockerignore file: comments and blank lines dropped, as moby reads them. */
export function dockerignorePatterns(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Removes what the patterns exclude. A directory is kept when an exception (`!`) brings back
 * something below it, as Docker's walk does.
 */
export async function applyDockerignore(dir: string, text: string): Promise<void> {
  const patterns = dockerignorePatterns(text);
  if (patterns.length === 0) return;
  // The package is CommonJS (module.exports = factory) with an ES-style default in its types.
  const factory = dockerignore as unknown as typeof dockerignore.default;
  const ig = factory().add(patterns);
  const walk = async (rel: string): Promise<boolean> => {
    let kept = false;
    for (const name of await readdir(rel === '' ? dir : join(dir, rel))) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, relPath));
      const ignored = ig.ignores(relPath);
      if (st.isDirectory()) {
        const below = await walk(relPath);
        if (ignored && !below) await rmdir(join(dir, relPath));
        else kept = true;
      } else if (ignored) {
        await rm(join(dir, relPath), { force: true });
      } else {
        kept = true;
      }
    }
    return kept;
  };
  await walk('');
}
