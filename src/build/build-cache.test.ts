import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildCache } from './build-cache.js';

test('BuildCache keeps what was set across a reopen once flushed, and clear forgets it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'build-cache-'));
  try {
    const path = join(dir, 'cache.json');
    const cache = await BuildCache.open(path);
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, `sha256:${i}`);
    await cache.flush();
    const again = await BuildCache.open(path);
    assert.equal(again.get('k19'), 'sha256:19');
    assert.equal(again.list().length, 20);
    assert.deepEqual((await again.clear()).length, 20);
    assert.equal((await BuildCache.open(path)).get('k0'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
