import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { messageOf } from '../common/errors.js';
import { BuildError } from './build-error.js';
import type { CopySource } from './copy-files.js';

/**
 * ADD of a URL: the body saved under the URL's last path component, mode 0600 as Docker does;
 * with `checksum` (ADD --checksum=sha256:…) a body with another digest fails the step.
 */
export async function downloadSource(url: string, staging: string, o: { checksum?: string; signal?: AbortSignal } = {}): Promise<CopySource> {
  const { signal } = o;
  if (o.checksum !== undefined && !/^sha256:[a-f0-9]{64}$/.test(o.checksum)) throw new BuildError(`invalid checksum digest format: ${o.checksum}`, 1);
  let res: Response;
  try {
    res = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    throw new BuildError(`ADD failed: ${url}: ${messageOf(err)}`, 1);
  }
  if (!res.ok) throw new BuildError(`ADD failed: Get "${url}": ${res.status} ${res.statusText}`, 1);
  const name = basename(new URL(url).pathname) || 'download';
  const dir = await mkdtemp(join(staging, 'url-'));
  const file = join(dir, name);
  if (!res.body) throw new BuildError(`ADD failed: ${url}: empty response`, 1);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(file, { mode: 0o600 }));
  const digest = `sha256:${hash.digest('hex')}`;
  if (o.checksum !== undefined && digest !== o.checksum) throw new BuildError(`ADD failed: digest mismatch for ${url}: ${digest}, expected ${o.checksum}`, 1);
  return { host: file, rel: name, isDir: false };
}
