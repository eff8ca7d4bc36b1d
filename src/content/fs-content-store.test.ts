import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { sha256Digest } from '../common/digest.js';
import { FsContentStore } from './fs-content-store.js';
import { runContentStoreSuite } from './testsuite.js';

runContentStoreSuite('FsContentStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
  return { store: await FsContentStore.open(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('FsContentStore', () => {
  it('open drops unfinished ingests left by a crash', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
    try {
      await FsContentStore.open(root);
      await writeFile(join(root, 'ingest', 'leftover'), 'half a blob');
      await FsContentStore.open(root);
      assert.deepEqual(await readdir(join(root, 'ingest')), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('stores blobs at blobs/sha256/<hex> and leaves no temp file behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
    try {
      const store = await FsContentStore.open(root);
      const { digest } = await store.put('layout');
      assert.equal(await store.path(digest), join(root, 'blobs', 'sha256', digest.slice(7)));
      await assert.rejects(store.ingest(Readable.from([Buffer.from('x')]), { expected: { digest: sha256Digest('y') } }));
      assert.deepEqual(await readdir(join(root, 'ingest')), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
