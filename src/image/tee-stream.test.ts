import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { teeStream } from './tee-stream.js';

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('teeStream', () => {
  it('gives both readers every byte, the slow one setting the pace', async () => {
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(100_000, i));
    const [a, b] = teeStream(Readable.from(parts));
    const slow = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of b) {
        await new Promise((r) => setImmediate(r));
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks);
    })();
    const [x, y] = await Promise.all([drain(a), slow]);
    assert.deepEqual(x, Buffer.concat(parts));
    assert.deepEqual(y, Buffer.concat(parts));
  });

  it('passes a source error to both readers', async () => {
    async function* failing() {
      yield Buffer.from('x');
      throw new Error('dropped');
    }
    const [a, b] = teeStream(Readable.from(failing()));
    await Promise.all([assert.rejects(drain(a), /dropped/), assert.rejects(drain(b), /dropped/)]);
  });
});
