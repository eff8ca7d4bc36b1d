/**
 * The Snapshotter conformance suite: every implementation runs it from its own test file.
 * It checks the contract through the interface and the returned mounts, without mounting.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, beforeEach, afterEach } from 'node:test';
import { sha256Digest } from '../common/digest.js';
import { Conflict, NotFound } from '../common/errors.js';
import type { Mount } from './mount.js';
import type { Snapshotter } from './snapshotter.js';

export interface SnapshotterFixture {
  snapshotter: Snapshotter;
  /** A new instance over the same state, as after a daemon restart. */
  reopen(): Promise<Snapshotter>;
  cleanup(): Promise<void>;
}

const chain = (s: string) => sha256Digest(`chain ${s}`);

function option(mounts: Mount[], name: string): string {
  const m = mounts[0];
  assert.ok(m, 'expected one mount');
  const opt = m.options.find((o) => o.startsWith(`${name}=`));
  assert.ok(opt, `expected option ${name} in ${m.options.join(',')}`);
  return opt.slice(name.length + 1);
}

async function addLayer(s: Snapshotter, id: string, parent: string, files: Record<string, string>): Promise<void> {
  await s.createLayer(id, parent, async (dir) => {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), content);
    }
  });
}

export function runSnapshotterSuite(name: string, setup: () => Promise<SnapshotterFixture>): void {
  describe(`Snapshotter conformance: ${name}`, () => {
    let fx: SnapshotterFixture;
    beforeEach(async () => { fx = await setup(); });
    afterEach(async () => { await fx.cleanup(); });

    it('createLayer fills an empty directory and then shows the layer', async () => {
      const s = fx.snapshotter;
      let seen: string[] | undefined;
      await s.createLayer(chain('a'), '', async (dir) => {
        seen = await readdir(dir);
        assert.equal(s.hasLayer(chain('a')), false);
        await writeFile(join(dir, 'hello'), 'world');
      });
      assert.deepEqual(seen, []);
      assert.equal(s.hasLayer(chain('a')), true);
      const dirs = s.layerDirs(chain('a'));
      assert.equal(dirs.length, 1);
      assert.equal(await readFile(join(dirs[0]!, 'hello'), 'utf8'), 'world');
      assert.deepEqual(s.layers(), [{ chainId: chain('a'), parent: '' }]);
    });

    it('createLayer of an existing layer does not fill again', async () => {
      const s = fx.snapshotter;
      await addLayer(s, chain('a'), '', { f: '1' });
      await s.createLayer(chain('a'), '', async () => assert.fail('fill called twice'));
    });

    it('concurrent createLayer calls for one chain id fill once', async () => {
      const s = fx.snapshotter;
      let fills = 0;
      const fill = async (dir: string) => {
        fills++;
        await new Promise((r) => setImmediate(r));
        await writeFile(join(dir, 'f'), 'x');
      };
      await Promise.all([s.createLayer(chain('a'), '', fill), s.createLayer(chain('a'), '', fill), s.createLayer(chain('a'), '', fill)]);
      assert.equal(fills, 1);
    });

    it('createLayer on a parent being created fills at once and commits after the parent', async () => {
      const s = fx.snapshotter;
      let releaseParent!: () => void;
      const parentGate = new Promise<void>((r) => (releaseParent = r));
      const order: string[] = [];
      const parent = s.createLayer(chain('a'), '', async (dir) => {
        await parentGate;
        await writeFile(join(dir, 'a'), 'a');
        order.push('parent filled');
      });
      const child = s.createLayer(chain('b'), chain('a'), async (dir) => {
        await writeFile(join(dir, 'b'), 'b');
        order.push('child filled');
        releaseParent();
      });
      await Promise.all([parent, child]);
      assert.deepEqual(order, ['child filled', 'parent filled']);
      assert.equal(s.layerDirs(chain('b')).length, 2);
      // A failed parent fails the child, which leaves nothing.
      const failed = s.createLayer(chain('x'), '', async () => {
        await new Promise((r) => setImmediate(r));
        throw new Error('parent broke');
      });
      const orphan = s.createLayer(chain('y'), chain('x'), async (dir) => writeFile(join(dir, 'y'), 'y'));
      await assert.rejects(failed, /parent broke/);
      await assert.rejects(orphan, NotFound);
      assert.equal(s.hasLayer(chain('y')), false);
    });

    it('a failing fill leaves no layer and can be retried', async () => {
      const s = fx.snapshotter;
      await assert.rejects(s.createLayer(chain('a'), '', async (dir) => {
        await writeFile(join(dir, 'partial'), 'x');
        throw new Error('unpack failed');
      }), /unpack failed/);
      assert.equal(s.hasLayer(chain('a')), false);
      assert.throws(() => s.layerDirs(chain('a')), NotFound);
      await addLayer(s, chain('a'), '', { ok: '1' });
      assert.deepEqual(await readdir(s.layerDirs(chain('a'))[0]!), ['ok']);
    });

    it('createLayer on a missing parent is NotFound', async () => {
      await assert.rejects(fx.snapshotter.createLayer(chain('b'), chain('a'), async () => {}), NotFound);
    });

    it('layerDirs lists a chain top first', async () => {
      const s = fx.snapshotter;
      await addLayer(s, chain('a'), '', { a: 'a' });
      await addLayer(s, chain('b'), chain('a'), { b: 'b' });
      await addLayer(s, chain('c'), chain('b'), { c: 'c' });
      const dirs = s.layerDirs(chain('c'));
      assert.equal(dirs.length, 3);
      assert.deepEqual(await Promise.all(dirs.map((d) => readdir(d))), [['c'], ['b'], ['a']]);
      assert.deepEqual(s.layerDirs(''), []);
    });

    it('prepare returns an overlay mount over the layers with an empty upper dir', async () => {
      const s = fx.snapshotter;
      await addLayer(s, chain('a'), '', { a: 'a' });
      await addLayer(s, chain('b'), chain('a'), { b: 'b' });
      const mounts = await s.prepare('c1', chain('b'));
      assert.equal(mounts.length, 1);
      assert.equal(mounts[0]!.type, 'overlay');
      assert.equal(mounts[0]!.source, 'overlay');
      assert.equal(option(mounts, 'lowerdir'), s.layerDirs(chain('b')).join(':'));
      assert.deepEqual(await readdir(option(mounts, 'upperdir')), []);
      assert.deepEqual(await readdir(option(mounts, 'workdir')), []);
      assert.deepEqual(await s.mounts('c1'), mounts);
      assert.deepEqual(s.keys(), ['c1']);
    });

    it('prepare without layers gives one empty lower dir', async () => {
      const mounts = await fx.snapshotter.prepare('c1', '');
      const lower = option(mounts, 'lowerdir');
      assert.ok(!lower.includes(':'));
      assert.deepEqual(await readdir(lower), []);
    });

    it('prepare refuses an existing key and a missing parent', async () => {
      const s = fx.snapshotter;
      await s.prepare('c1', '');
      await assert.rejects(s.prepare('c1', ''), Conflict);
      await assert.rejects(s.prepare('c2', chain('missing')), NotFound);
      assert.deepEqual(s.keys(), ['c1']);
    });

    it('remove deletes a writable snapshot and is idempotent', async () => {
      const s = fx.snapshotter;
      const mounts = await s.prepare('c1', '');
      await writeFile(join(option(mounts, 'upperdir'), 'changed'), 'x');
      await s.remove('c1');
      await s.remove('c1');
      await assert.rejects(s.mounts('c1'), NotFound);
      await assert.rejects(s.usage('c1'), NotFound);
      assert.deepEqual(s.keys(), []);
      await s.prepare('c1', '');
      assert.deepEqual(await readdir(option(await s.mounts('c1'), 'upperdir')), []);
    });

    it('usage counts what the writable snapshot wrote', async () => {
      const s = fx.snapshotter;
      const upper = option(await s.prepare('c1', ''), 'upperdir');
      assert.deepEqual(await s.usage('c1'), { size: 0, inodes: 0 });
      await mkdir(join(upper, 'd'));
      await writeFile(join(upper, 'd', 'f'), Buffer.alloc(1000));
      await writeFile(join(upper, 'g'), Buffer.alloc(24));
      assert.deepEqual(await s.usage('c1'), { size: 1024, inodes: 3 });
    });

    it('removeLayer refuses a layer with a child or a snapshot on it', async () => {
      const s = fx.snapshotter;
      await addLayer(s, chain('a'), '', { a: 'a' });
      await addLayer(s, chain('b'), chain('a'), { b: 'b' });
      await assert.rejects(s.removeLayer(chain('a')), Conflict);
      await s.prepare('c1', chain('b'));
      await assert.rejects(s.removeLayer(chain('b')), Conflict);
      await s.remove('c1');
      await s.removeLayer(chain('b'));
      await s.removeLayer(chain('b'));
      await s.removeLayer(chain('a'));
      assert.equal(s.hasLayer(chain('a')), false);
      assert.deepEqual(s.layers(), []);
    });

    it('layers and writable snapshots survive a reopen', async () => {
      const s = fx.snapshotter;
      await addLayer(s, chain('a'), '', { a: 'a' });
      await addLayer(s, chain('b'), chain('a'), { b: 'b' });
      const mounts = await s.prepare('c1', chain('b'));
      await writeFile(join(option(mounts, 'upperdir'), 'kept'), 'x');
      const again = await fx.reopen();
      assert.equal(again.hasLayer(chain('b')), true);
      assert.deepEqual(again.layerDirs(chain('b')), s.layerDirs(chain('b')));
      assert.deepEqual(await again.mounts('c1'), mounts);
      assert.deepEqual(await readdir(option(mounts, 'upperdir')), ['kept']);
      assert.deepEqual(again.keys(), ['c1']);
    });
  });
}
