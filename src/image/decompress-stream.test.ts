import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompressStream, detectCompression } from './decompress-stream.js';

const hasTool = (t: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`]);
    return true;
  } catch {
    return false;
  }
};

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Splits into 3-byte chunks so that the magic number spans chunks. */
function chunks(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 3) parts.push(data.subarray(i, i + 3));
  return Readable.from(parts);
}

describe('decompressStream', () => {
  const data = Buffer.from('layer bytes '.repeat(5000));

  it('passes uncompressed data through, even shorter than a magic number', async () => {
    assert.deepEqual(await drain(await decompressStream(chunks(data))), data);
    assert.deepEqual(await drain(await decompressStream(Readable.from([Buffer.from('ab')]))), Buffer.from('ab'));
    assert.deepEqual(await drain(await decompressStream(Readable.from([]))), Buffer.alloc(0));
  });

  it('uncompresses gzip', async () => {
    assert.deepEqual(await drain(await decompressStream(chunks(gzipSync(data)))), data);
  });

  for (const tool of ['bzip2', 'xz', 'zstd']) {
    it(`uncompresses ${tool} with the host tool`, { skip: !hasTool(tool) && `${tool} is not installed` }, async () => {
      const compressed = execFileSync(tool, ['-c'], { input: data });
      assert.equal(detectCompression(compressed), tool);
      assert.deepEqual(await drain(await decompressStream(chunks(compressed))), data);
    });
  }

  it('fails on corrupt compressed data', async () => {
    const bad = gzipSync(data);
    bad.fill(0, 20, 60);
    await assert.rejects(drain(await decompressStream(Readable.from([bad]))));
    if (hasTool('xz')) {
      const badXz = execFileSync('xz', ['-c'], { input: data });
      badXz.fill(0, 20, 60);
      await assert.rejects(drain(await decompressStream(Readable.from([badXz]))), /decompress xz/);
    }
  });
});
