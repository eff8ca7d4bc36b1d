import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathExists } from '../common/path-exists.js';
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

  it('lists a large blob as unflushed until a background flush; after a reboot open keeps only intact ones', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
    try {
      const store = await FsContentStore.open(root);
      const big = randomBytes(3 << 20);
      const { digest } = await store.ingest(Readable.from([big]));
      const listed = JSON.parse(await readFile(join(root, 'unsynced.json'), 'utf8').catch(() => '{"digests":[]}')) as { digests: string[] };
      // The flush may already be done; if not, the blob must be listed.
      if (listed.digests.length > 0) assert.deepEqual(listed.digests, [digest]);
      for (let i = 0; i < 200 && (await pathExists(join(root, 'unsynced.json'))); i++) await sleep(50);
      assert.equal(await pathExists(join(root, 'unsynced.json')), false, 'the flush did not take the blob off the list');

      // As if the machine lost power: one listed blob came back intact, one with its bytes lost.
      const lost = sha256Digest(Buffer.alloc(2 << 20, 1));
      await writeFile(join(root, 'blobs', 'sha256', lost.slice(7)), Buffer.alloc(2 << 20));
      await writeFile(join(root, 'unsynced.json'), JSON.stringify({ boot: 'an-earlier-boot', digests: [digest, lost] }));
      const again = await FsContentStore.open(root);
      assert.equal(await again.has(digest), true);
      assert.equal(await again.has(lost), false);
      assert.equal(await pathExists(join(root, 'unsynced.json')), false);
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
