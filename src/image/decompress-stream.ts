/**
 * Uncompresses a layer or import body by its magic number: gzip with zlib; bzip2, xz and zstd
 * with the host's `bzip2`, `xz` and `zstd` (Node 20 has no decoder for them). Anything else is
 * passed through as an uncompressed tar.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgument, Unavailable, errnoCode, messageOf } from '../common/errors.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number) => head[i];
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  return 'none';
}

/** Reads the first bytes, then returns a stream of the uncompressed data. */
export async function decompressStream(input: Readable): Promise<Readable> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let n = 0;
  let done = false;
  while (n < 6) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    head.push(chunk);
    n += chunk.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  const raw = Readable.from(replay(), { objectMode: false });
  const kind = detectCompression(Buffer.concat(head));
  switch (kind) {
    case 'none':
      return raw;
    case 'gzip': {
      // Larger output chunks: fewer callbacks, tar-parser steps and writes downstream.
      const gunzip = createGunzip({ chunkSize: 256 * 1024 });
      raw.on('error', (err) => gunzip.destroy(err));
      gunzip.on('error', () => raw.destroy());
      const out = raw.pipe(gunzip);
      return out.on('error', () => {});
    }
    default:
      return viaTool(kind, raw);
  }
}

function viaTool(kind: 'bzip2' | 'xz' | 'zstd', raw: Readable): Readable {
  const out = new PassThrough();
  const child = spawn(kind, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  child.on('error', (err) => {
    const e = errnoCode(err) === 'ENOENT'
      ? new Unavailable(`decompress ${kind}: "${kind}" is not installed`, { cause: err })
      : new InvalidArgument(`decompress ${kind}: ${messageOf(err)}`, { cause: err });
    out.destroy(e);
  });
  raw.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  child.stdin.on('error', () => {});
  raw.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new InvalidArgument(`decompress ${kind}: ${stderr.trim() || `exit status ${code}`}`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}
