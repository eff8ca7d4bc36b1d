import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bootId } from '../common/boot-id.js';
import { sha256Digest } from '../common/digest.js';
import { OverlaySnapshotter } from './overlay-snapshotter.js';
import { runSnapshotterSuite } from './testsuite.js';

const run = promisify(execFile);
type Index = { layers: Record<string, { unsynced?: string }> };
const isRoot = process.getuid?.() === 0;

runSnapshotterSuite('OverlaySnapshotter', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  return {
    snapshotter: await OverlaySnapshotter.open(root, { syncLayers: false }),
    reopen: () => OverlaySnapshotter.open(root, { syncLayers: false }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('OverlaySnapshotter', () => {
  it('keeps committed layers in short numbered directories', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
    try {
      const s = await OverlaySnapshotter.open(root);
      await s.createLayer(sha256Digest('a'), '', async () => {});
      await s.createLayer(sha256Digest('b'), sha256Digest('a'), async () => {});
      assert.deepEqual(s.layerDirs(sha256Digest('b')), [join(root, '2', 'fs'), join(root, '1', 'fs')]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('open removes unfinished layers, unindexed layer dirs and unfinished snapshots', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
    try {
      const s = await OverlaySnapshotter.open(root, { syncLayers: false });
      await s.createLayer(sha256Digest('a'), '', async () => {});
      await s.prepare('done', '');
      const snaps = root;
      // A crash while filling, after the rename but before the index write, and inside prepare.
      await mkdir(join(snaps, 'tmp', '7', 'fs'), { recursive: true });
      await mkdir(join(snaps, '9', 'fs'), { recursive: true });
      await mkdir(join(snaps, 'active', 'half@1', 'fs'), { recursive: true });
      const again = await OverlaySnapshotter.open(root, { syncLayers: false });
      assert.deepEqual((await readdir(snaps)).sort(), ['1', 'active', 'empty', 'index.json', 'tmp']);
      assert.deepEqual(await readdir(join(snaps, 'tmp')), []);
      assert.deepEqual(again.keys(), ['done']);
      // Numbers are not reused, even those of garbage.
      await again.createLayer(sha256Digest('b'), '', async () => {});
      assert.deepEqual(again.layerDirs(sha256Digest('b')), [join(snaps, '10', 'fs')]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('commits a layer at once, marked until a background flush, and prepare waits for the flush', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
    try {
      const s = await OverlaySnapshotter.open(root);
      await s.createLayer(sha256Digest('a'), '', async (dir) => writeFile(join(dir, 'f'), 'data'));
      const marked = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as Index;
      assert.equal(marked.layers[sha256Digest('a')]?.unsynced, bootId(), 'a new layer is marked with this boot');
      await s.prepare('c1', sha256Digest('a'));
      const flushed = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as Index;
      assert.equal(flushed.layers[sha256Digest('a')]?.unsynced, undefined, 'prepare returned before the mark was cleared');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('open after a reboot removes the layers still marked and those above them; within the boot it keeps them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
    try {
      const [a, b, c, d] = [sha256Digest('a'), sha256Digest('b'), sha256Digest('c'), sha256Digest('d')];
      const s = await OverlaySnapshotter.open(root, { syncLayers: false });
      await s.createLayer(a, '', async () => {});
      await s.createLayer(b, a, async () => {});
      await s.createLayer(c, b, async () => {});
      await s.createLayer(d, a, async () => {});
      // b was committed in an earlier boot and never flushed; d in this boot, not flushed yet.
      const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as Index;
      index.layers[b]!.unsynced = 'an-earlier-boot';
      index.layers[d]!.unsynced = bootId();
      await writeFile(join(root, 'index.json'), JSON.stringify(index));
      const again = await OverlaySnapshotter.open(root);
      assert.deepEqual(again.layers().map((l) => l.chainId).sort(), [a, d].sort());
      assert.deepEqual((await readdir(root)).filter((n) => /^[0-9]+$/.test(n)).sort(), ['1', '4']);
      await again.prepare('c1', d);
      const after = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as Index;
      assert.equal(after.layers[d]?.unsynced, undefined);
      assert.equal(after.layers[b], undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a prepared snapshot mounts as overlay with whiteouts applied', { skip: !isRoot && 'needs root to mount' }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
    const target = join(root, 'rootfs');
    let mounted = false;
    try {
      const s = await OverlaySnapshotter.open(join(root, 'snapshots'), { syncLayers: false });
      await s.createLayer(sha256Digest('base'), '', async (dir) => {
        await mkdir(join(dir, 'etc'));
        await writeFile(join(dir, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
        await writeFile(join(dir, 'etc', 'gone'), 'deleted above');
      });
      await s.createLayer(sha256Digest('top'), sha256Digest('base'), async (dir) => {
        await mkdir(join(dir, 'etc'));
        await run('mknod', [join(dir, 'etc', 'gone'), 'c', '0', '0']);
        await writeFile(join(dir, 'etc', 'hostname'), 'top\n');
      });
      const [m] = await s.prepare('c1', sha256Digest('top'));
      assert.ok(m);
      await mkdir(target);
      await run('mount', ['-t', m.type, '-o', m.options.join(','), m.source, target]);
      mounted = true;
      assert.deepEqual((await readdir(join(target, 'etc'))).sort(), ['hostname', 'passwd']);
      await writeFile(join(target, 'etc', 'new'), 'written in the container');
      await run('umount', [target]);
      mounted = false;
      const upper = m.options.find((o) => o.startsWith('upperdir='))!.slice('upperdir='.length);
      assert.equal(await readFile(join(upper, 'etc', 'new'), 'utf8'), 'written in the container');
      assert.ok((await s.usage('c1')).size >= 'written in the container'.length);
      await s.remove('c1');
    } finally {
      if (mounted) await run('umount', ['-l', target]).catch(() => {});
      await rm(root, { recursive: true, force: true });
    }
  });
});
