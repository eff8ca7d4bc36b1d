import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { messageOf } from '../common/errors.js';
import { BuildError } from './build-error.js';
import type { CopySource } from './copy-files.js';

/** ADD of a URL: the body saved under the URL's last path component, mode 0600 as Docker does. */
export async function downloadSource(url: string, staging: string, signal?: AbortSignal): Promise<CopySource> {
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
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file, { mode: 0o600 }));
  return { host: file, rel: name, isDir: false };
}
