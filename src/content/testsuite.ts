/**
 * The ContentStore conformance suite: every implementation runs it from its own test file.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it, beforeEach, afterEach } from 'node:test';
import { sha256Digest, type Digest } from '../common/digest.js';
import { InvalidArgument, NotFound } from '../common/errors.js';
import type { ContentStore } from './content-store.js';

export interface ContentStoreFixture {
  store: ContentStore;
  cleanup(): Promise<void>;
}

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

export function runContentStoreSuite(name: string, setup: () => Promise<ContentStoreFixture>): void {
  describe(`ContentStore conformance: ${name}`, () => {
    let fx: ContentStoreFixture;
    beforeEach(async () => { fx = await setup(); });
    afterEach(async () => { await fx.cleanup(); });

    it('put makes a blob readable by digest', async () => {
      const data = Buffer.from('hello blob');
      const info = await fx.store.put(data);
      assert.equal(info.digest, sha256Digest(data));
      assert.equal(info.size, data.length);
      assert.equal(await fx.store.has(info.digest), true);
      assert.deepEqual(await fx.store.read(info.digest), data);
      assert.deepEqual(await fx.store.info(info.digest), info);
      assert.deepEqual(await drain(await fx.store.readStream(info.digest)), data);
      assert.equal(typeof (await fx.store.path(info.digest)), 'string');
      assert.deepEqual(await fx.store.list(), [info]);
    });

    it('ingest hashes a chunked stream and verifies the expected digest and size', async () => {
      const data = Buffer.alloc(3 << 20, 7);
      const digest = sha256Digest(data);
      const info = await fx.store.ingest(chunked(data, 65536), { expected: { digest, size: data.length } });
      assert.deepEqual(info, { digest, size: data.length });
      assert.deepEqual(await fx.store.read(digest), data);
    });

    it('ingest rejects a digest mismatch and commits nothing', async () => {
      const wrong = sha256Digest('something else');
      await assert.rejects(fx.store.ingest(Readable.from([Buffer.from('abc')]), { expected: { digest: wrong } }), InvalidArgument);
      assert.equal(await fx.store.has(wrong), false);
      assert.equal(await fx.store.has(sha256Digest('abc')), false);
      assert.deepEqual(await fx.store.list(), []);
    });

    it('ingest rejects a size mismatch, too long or too short', async () => {
      const data = Buffer.from('abcdef');
      const digest = sha256Digest(data);
      await assert.rejects(fx.store.ingest(Readable.from([data]), { expected: { digest, size: 3 } }), InvalidArgument);
      await assert.rejects(fx.store.ingest(Readable.from([data]), { expected: { digest, size: 9 } }), InvalidArgument);
      assert.equal(await fx.store.has(digest), false);
    });

    it('ingest of a stream that fails midway commits nothing', async () => {
      async function* failing() {
        yield Buffer.from('part one');
        throw new Error('connection reset');
      }
      await assert.rejects(fx.store.ingest(failing()), /connection reset/);
      assert.deepEqual(await fx.store.list(), []);
    });

    it('ingest stops when its signal aborts and commits nothing', async () => {
      const ac = new AbortController();
      async function* slow() {
        yield Buffer.from('first');
        ac.abort(new Error('cancelled by test'));
        yield Buffer.from('second');
      }
      await assert.rejects(fx.store.ingest(slow(), { signal: ac.signal }), /cancelled by test/);
      assert.deepEqual(await fx.store.list(), []);
    });

    it('concurrent ingests of the same content both succeed and leave one intact blob', async () => {
      const data = Buffer.alloc(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      const digest = sha256Digest(data);
      const results = await Promise.all(
        Array.from({ length: 4 }, () => fx.store.ingest(chunked(data, 4096), { expected: { digest, size: data.length } })),
      );
      for (const r of results) assert.deepEqual(r, { digest, size: data.length });
      assert.deepEqual(await fx.store.read(digest), data);
      assert.equal((await fx.store.list()).length, 1);
    });

    it('ingest of an existing blob keeps it readable', async () => {
      const data = Buffer.from('same bytes');
      const first = await fx.store.put(data);
      const reader = await fx.store.readStream(first.digest);
      const second = await fx.store.put(data);
      assert.deepEqual(second, first);
      assert.deepEqual(await drain(reader), data);
    });

    it('delete removes a blob and is idempotent', async () => {
      const { digest } = await fx.store.put('to delete');
      await fx.store.delete(digest);
      await fx.store.delete(digest);
      assert.equal(await fx.store.has(digest), false);
      assert.deepEqual(await fx.store.list(), []);
    });

    it('missing blobs are NotFound', async () => {
      const digest = sha256Digest('never stored');
      await assert.rejects(fx.store.read(digest), NotFound);
      await assert.rejects(fx.store.readStream(digest), NotFound);
      await assert.rejects(fx.store.info(digest), NotFound);
      await assert.rejects(fx.store.path(digest), NotFound);
      assert.equal(await fx.store.has(digest), false);
    });

    it('malformed digests are InvalidArgument, never a path', async () => {
      const bad = 'sha256:../../../etc/passwd' as Digest;
      await assert.rejects(fx.store.read(bad), InvalidArgument);
      await assert.rejects(fx.store.has(bad), InvalidArgument);
      await assert.rejects(fx.store.put('x', { expected: { digest: bad } }), InvalidArgument);
    });
  });
}
