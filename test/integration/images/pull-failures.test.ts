/**
 * Pulls from a registry that misbehaves (a fake one: the real registry cannot be made to), and a
 * daemon killed mid-pull: each failure is a clear error and leaves no image, layer or blob behind;
 * a dropped connection resumes; concurrent pulls of a layer fetch it once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildTar } from '../../../src/image/build-tar.js';
import { baseImageTars } from '../../kit/base-images.js';
import { FakeRegistry } from '../../kit/fake-registry.js';
import { TestDaemon } from '../../kit/test-daemon.js';

type Index = { layers: Record<string, { unsynced?: string }> };

describe('pull failures', () => {
  let d: TestDaemon;
  let reg: FakeRegistry;
  let busybox: Buffer;
  before(async () => {
    reg = await FakeRegistry.start();
    d = await TestDaemon.start();
    busybox = readFileSync((await baseImageTars()).busybox);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  /** Blobs, layer directories and leftovers in the daemon's store. */
  const store = () => ({
    blobs: readdirSync(join(d.dataRoot, 'content/blobs/sha256')).sort(),
    ingest: readdirSync(join(d.dataRoot, 'content/ingest')),
    layers: readdirSync(join(d.dataRoot, 'snapshots')).filter((n) => /^\d+$/.test(n)).sort(),
    tmp: readdirSync(join(d.dataRoot, 'snapshots/tmp')),
  });
  const uniqueLayer = async (name: string, size = 300_000) => buildTar([{ name: `data/${name}`, content: randomBytes(size) }]);
  const pull = (ref: string) => d.berth(['pull', ref], { timeoutMs: 60_000 });

  const failureCases: { name: string; setup: () => Promise<string>; error: RegExp }[] = [
    {
      name: 'a blob that does not match its digest',
      setup: async () => {
        const img = reg.addImage({ repo: 'bad/corrupt', tag: 'v1', layers: [await uniqueLayer('corrupt')] });
        reg.behaviour.set(img.layerDigests[0]!, 'corrupt');
        return `${reg.host}/bad/corrupt:v1`;
      },
      error: /blob "sha256:[0-9a-f]{64}": digest mismatch/,
    },
    {
      name: 'a blob truncated on every attempt',
      setup: async () => {
        const img = reg.addImage({ repo: 'bad/truncated', tag: 'v1', layers: [await uniqueLayer('truncated')] });
        reg.behaviour.set(img.layerDigests[0]!, 'truncate');
        return `${reg.host}/bad/truncated:v1`;
      },
      error: /failed after \d+ attempts/,
    },
    {
      name: 'a connection dropped mid-blob, then 500s',
      setup: async () => {
        const img = reg.addImage({ repo: 'bad/fivehundred', tag: 'v1', layers: [await uniqueLayer('fivehundred')] });
        reg.behaviour.set(img.layerDigests[0]!, 'drop-then-500');
        return `${reg.host}/bad/fivehundred:v1`;
      },
      error: /failed after \d+ attempts.*(500|storage failure)/,
    },
    {
      name: 'a malformed manifest',
      setup: async () => {
        reg.addImage({ repo: 'bad/manifest', tag: 'v1', layers: [], rawManifest: '{"schemaVersion": 2, "config": {"digest": "sha256:nope"' });
        return `${reg.host}/bad/manifest:v1`;
      },
      error: /malformed manifest/,
    },
    {
      name: 'a schema 1 manifest',
      setup: async () => {
        reg.addImage({ repo: 'bad/schema1', tag: 'v1', layers: [], rawManifest: '{"schemaVersion": 1, "name": "x", "tag": "v1", "fsLayers": []}' });
        return `${reg.host}/bad/schema1:v1`;
      },
      error: /schema 1 support has been removed/,
    },
    {
      name: 'a layer entry with ".." escaping the layer',
      setup: async () => {
        const evil = await buildTar([{ name: 'ok', content: 'x' }, { name: '../../escaped', content: 'pwned' }]);
        reg.addImage({ repo: 'bad/dotdot', tag: 'v1', layers: [evil] });
        return `${reg.host}/bad/dotdot:v1`;
      },
      error: /leaves the layer/,
    },
    {
      name: 'a layer writing through a symlink that points outside',
      setup: async () => {
        const evil = await buildTar([{ name: 'out', type: 'symlink', linkname: '/tmp' }, { name: 'out/pwned', content: 'pwned' }]);
        reg.addImage({ repo: 'bad/symlink', tag: 'v1', layers: [evil] });
        return `${reg.host}/bad/symlink:v1`;
      },
      error: /is a symlink/,
    },
    {
      name: 'a hard link to a file outside the layer',
      setup: async () => {
        const evil = await buildTar([{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]);
        reg.addImage({ repo: 'bad/hardlink', tag: 'v1', layers: [evil] });
        return `${reg.host}/bad/hardlink:v1`;
      },
      error: /not in the layer/,
    },
  ];

  for (const c of failureCases) {
    test(`${c.name}: a clear error, no image, layer or blob left`, async () => {
      const before = store();
      const ref = await c.setup();
      const r = await pull(ref);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr, c.error);
      assert.equal((await d.berth(['images', '-q', ref])).stdout, '');
      assert.deepEqual(store(), before);
    });
  }
  test('nothing escaped to the host', () => {
    assert.throws(() => readFileSync('/tmp/pwned'));
  });

  test('a connection dropped mid-blob is resumed with a range request', async () => {
    const img = reg.addImage({ repo: 'ok/resume', tag: 'v1', layers: [busybox, await uniqueLayer('resume', 2_000_000)] });
    reg.behaviour.set(img.layerDigests[1]!, 'drop-once');
    const r = await pull(`${reg.host}/ok/resume:v1`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(reg.blobGets.get(img.layerDigests[1]!), 2);
    assert.equal((await d.berth(['run', '--rm', `${reg.host}/ok/resume:v1`, 'sh', '-c', 'wc -c < /data/resume'])).stdout.trim(), '2000000');
  });

  test('two pulls of the same image at once download each blob once', async () => {
    const img = reg.addImage({ repo: 'ok/twice', tag: 'v1', layers: [await uniqueLayer('twice-a', 1_000_000), await uniqueLayer('twice-b', 1_000_000)] });
    for (const l of img.layerDigests) reg.behaviour.set(l, 'stall');
    const pulls = [pull(`${reg.host}/ok/twice:v1`), d.docker(['pull', `${reg.host}/ok/twice:v1`], { timeoutMs: 60_000 })];
    for (let i = 0; i < 100 && img.layerDigests.some((l) => !reg.blobGets.get(l)); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    reg.release();
    const results = await Promise.all(pulls);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    for (const l of img.layerDigests) assert.equal(reg.blobGets.get(l), 1, `GETs of ${l}`);
  });

  test('a pull is on disk once berthd stops cleanly; after a power loss its unflushed layers and blobs are dropped, and it pulls again', async () => {
    const img = reg.addImage({ repo: 'ok/flushed', tag: 'v1', layers: [await uniqueLayer('flushed', 2_000_000)] });
    const ref = `${reg.host}/ok/flushed:v1`;
    const indexPath = join(d.dataRoot, 'snapshots/index.json');
    const listPath = join(d.dataRoot, 'content/unsynced.json');
    const readIndex = () => JSON.parse(readFileSync(indexPath, 'utf8')) as Index;
    const marks = () => ({ layers: Object.values(readIndex().layers).filter((l) => l.unsynced !== undefined).length, blobs: existsSync(listPath) });
    const layersBefore = new Set(Object.keys(readIndex().layers));
    assert.equal((await pull(ref)).code, 0);
    // Usually still marked here (the flush waits for a quiet second); either way a clean stop leaves nothing marked.
    await d.restart({ graceful: true });
    assert.deepEqual(marks(), { layers: 0, blobs: false }, 'a clean stop flushes');

    // The state a power loss right after the pull leaves: the pull's layer and blob marked in an
    // earlier boot, and the blob's bytes lost.
    await d.kill9();
    const index = readIndex();
    const pulled = Object.keys(index.layers).filter((c) => !layersBefore.has(c));
    assert.equal(pulled.length, 1);
    index.layers[pulled[0]!]!.unsynced = 'an-earlier-boot';
    writeFileSync(indexPath, JSON.stringify(index));
    writeFileSync(listPath, JSON.stringify({ boot: 'an-earlier-boot', digests: img.layerDigests }));
    const blob = join(d.dataRoot, 'content/blobs/sha256', img.layerDigests[0]!.slice(7));
    truncateSync(blob, 0);
    await d.restart();
    const images = await d.berth(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.doesNotMatch(images.stdout, /ok\/flushed/, 'the image on a dropped layer is gone');
    assert.match(images.stdout, /busybox/, 'images on flushed layers stay');
    assert.equal(existsSync(blob), false, 'the blob whose bytes were lost is gone');
    assert.deepEqual(marks(), { layers: 0, blobs: false });
    const again = await pull(ref);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Pull complete/);
  });

  test('berthd killed mid-pull restarts consistent and the pull completes on retry', async () => {
    const before = store();
    const img = reg.addImage({ repo: 'ok/killed', tag: 'v1', layers: [await uniqueLayer('killed-a', 500_000), await uniqueLayer('killed-b', 3_000_000)] });
    reg.behaviour.set(img.layerDigests[1]!, 'stall');
    const first = pull(`${reg.host}/ok/killed:v1`);
    for (let i = 0; i < 100 && !reg.blobGets.get(img.layerDigests[1]!); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    await d.restart();
    const firstResult = await first;
    assert.notEqual(firstResult.code, 0, JSON.stringify(firstResult));
    assert.deepEqual(store(), before, 'after the restart: no blob, layer or partial ingest of the pull');
    reg.behaviour.set(img.layerDigests[1]!, 'ok');
    const again = await pull(`${reg.host}/ok/killed:v1`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Pull complete/);
  });
});
