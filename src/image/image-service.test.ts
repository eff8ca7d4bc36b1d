import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it, beforeEach, afterEach } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sha256Digest, type Digest } from '../common/digest.js';
import { Conflict, InvalidArgument, NotFound } from '../common/errors.js';
import { FsContentStore } from '../content/fs-content-store.js';
import { OverlaySnapshotter } from '../snapshot/overlay-snapshotter.js';
import { ImageService } from './image-service.js';
import { buildTar } from './build-tar.js';

const hasTool = (t: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`]);
    return true;
  } catch {
    return false;
  }
};

function message(text: string) {
  return (err: unknown) => err instanceof Error && err.message === text;
}

describe('ImageService', () => {
  let root: string;
  let content: FsContentStore;
  let snapshotter: OverlaySnapshotter;
  let images: ImageService;
  let rootfs: Buffer;

  const open = async () => {
    content = await FsContentStore.open(join(root, 'content'));
    snapshotter = await OverlaySnapshotter.open(join(root, 'snapshots'), { syncLayers: false });
    images = await ImageService.open(root, { content, snapshotter });
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-images-'));
    await open();
    rootfs = await buildTar([
      { name: 'bin/', type: 'directory' },
      { name: 'bin/sh', content: 'not really a shell', mode: 0o755 },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    ]);
  });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  const importTar = (tar: Buffer, opts: Parameters<ImageService['import']>[1] = {}) => images.import(Readable.from([tar]), opts);

  it('imports a gzip tar as a one-layer image with changes applied', async () => {
    const img = await importTar(gzipSync(rootfs), {
      repo: 'busybox', tag: 'latest',
      changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    });
    const diffId = sha256Digest(rootfs);
    assert.deepEqual(img.repoTags, ['busybox:latest']);
    assert.deepEqual(img.repoDigests, []);
    assert.deepEqual(img.config.rootfs, { type: 'layers', diff_ids: [diffId] });
    assert.deepEqual(img.config.config, { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
    assert.equal(img.config.os, 'linux');
    assert.equal(img.config.history?.[0]?.comment, 'Imported from -');
    assert.equal(img.chainId, diffId);
    assert.equal(img.size, 18 + 30);
    assert.equal(img.created, img.config.created);
    assert.notEqual(img.lastTagTime, '');
    assert.equal(img.id, sha256Digest(await content.read(img.id)));
    assert.equal(await content.has(diffId), true);
    const [lower] = snapshotter.layerDirs(img.chainId);
    assert.equal(await readFile(join(lower!, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  });

  it('imports uncompressed, bzip2 and xz tars alike', async () => {
    const plain = await importTar(rootfs, { repo: 'plain:1' });
    assert.deepEqual(plain.repoTags, ['plain:1']);
    for (const tool of ['bzip2', 'xz']) {
      if (!hasTool(tool)) continue;
      const compressed = execFileSync(tool, ['-c'], { input: rootfs });
      const img = await importTar(compressed, { repo: `local/${tool}` });
      assert.equal(img.chainId, plain.chainId, tool);
      assert.deepEqual(img.repoTags, [`local/${tool}:latest`]);
    }
  });

  it('refuses bad changes and references before reading the body', async () => {
    await assert.rejects(importTar(rootfs, { changes: ['RUN make'] }), message('RUN is not a valid change command'));
    await assert.rejects(importTar(rootfs, { repo: 'Busybox' }), message('invalid reference format: repository name must be lowercase'));
    await assert.rejects(importTar(rootfs, { repo: `busybox@sha256:${'a'.repeat(64)}` }), InvalidArgument);
    assert.deepEqual(images.list(), []);
    assert.deepEqual(await content.list(), []);
  });

  it('refuses a body that is not a tar', async () => {
    await assert.rejects(importTar(Buffer.from('this is not a tar archive, just text that goes on'.repeat(20))), InvalidArgument);
    assert.deepEqual(images.list(), []);
    assert.deepEqual(snapshotter.layers(), []);
    assert.deepEqual(await content.list(), []);
  });

  it('resolves by name, id and id prefix as Docker', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    const hex = img.id.slice(7);
    for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'library/busybox', img.id, hex, hex.slice(0, 12), hex.slice(0, 1), `sha256:${hex.slice(0, 5)}`]) {
      assert.equal(images.resolve(ref).id, img.id, ref);
    }
    assert.throws(() => images.resolve('nope'), (err: unknown) => err instanceof NotFound && err.message === 'No such image: nope');
    assert.throws(() => images.resolve('busybox:1'), message('No such image: busybox:1'));
    assert.throws(() => images.resolve(`sha256:${'0'.repeat(64)}`), NotFound);
    assert.throws(() => images.resolve('Busybox'), InvalidArgument);
  });

  it('does not resolve an ambiguous id prefix', async () => {
    const a = await importTar(rootfs, { changes: ['LABEL n=1'] });
    let b = await importTar(rootfs, { changes: ['LABEL n=2'] });
    let n = 3;
    // Find two ids that share a first hex character.
    while (b.id[7] !== a.id[7]) b = await importTar(rootfs, { changes: [`LABEL n=${n++}`] });
    assert.throws(() => images.resolve(a.id[7]!), NotFound);
    assert.equal(images.resolve(a.id.slice(7, 30)).id, a.id);
  });

  it('tags images and keeps references across a reopen', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    await images.tag('busybox', 'localhost:5000/tools/box:v1');
    await images.tag(img.id.slice(7, 19), 'other');
    assert.deepEqual(images.resolve('busybox').repoTags, ['busybox:latest', 'localhost:5000/tools/box:v1', 'other:latest']);
    await assert.rejects(images.tag('busybox', `x@sha256:${'a'.repeat(64)}`), message('refusing to create a tag with a digest reference'));
    await assert.rejects(images.tag('busybox', 'sha256:abc'), message('refusing to create an ambiguous tag using digest algorithm as name'));
    await assert.rejects(images.tag('missing', 'x'), message('No such image: missing'));
    await open();
    const again = images.resolve('localhost:5000/tools/box:v1');
    assert.equal(again.id, img.id);
    assert.deepEqual(again.repoTags, ['busybox:latest', 'localhost:5000/tools/box:v1', 'other:latest']);
    assert.equal(again.size, img.size);
  });

  it('removes the last tag, the image and its layer', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    const items = await images.remove('busybox');
    assert.deepEqual(items, [{ untagged: 'busybox:latest' }, { deleted: img.id }, { deleted: img.chainId }]);
    assert.deepEqual(images.list(), []);
    assert.equal(snapshotter.hasLayer(img.chainId), false);
    assert.deepEqual(await content.list(), []);
  });

  it('only untags while other tags remain', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    await images.tag('busybox', 'busybox:1');
    assert.deepEqual(await images.remove('busybox:1'), [{ untagged: 'busybox:1' }]);
    assert.deepEqual(images.resolve(img.id).repoTags, ['busybox:latest']);
  });

  it('refuses to untag the only reference of an image a container uses', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    const usedBy = (id: Digest) => (id === img.id ? ['1a2b3c4d5e6f7a8b9c0d'] : []);
    await assert.rejects(images.remove('busybox', { usedBy }), (err: unknown) => err instanceof Conflict
      && err.message === `conflict: unable to remove repository reference "busybox" (must force) - container 1a2b3c4d5e6f is using its referenced image ${img.id.slice(7, 19)}`);
    // Forced with a running container: untagged only, the image stays (dangling).
    const runningBy = usedBy;
    assert.deepEqual(await images.remove('busybox', { usedBy, runningBy, force: true }), [{ untagged: 'busybox:latest' }]);
    assert.deepEqual(images.resolve(img.id).repoTags, []);
  });

  it('deletes a forced image that a stopped container uses, keeping the container\'s layer', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    await snapshotter.prepare('1a2b3c4d5e6f7a8b9c0d', img.chainId);
    const usedBy = (id: Digest) => (id === img.id ? ['1a2b3c4d5e6f7a8b9c0d'] : []);
    assert.deepEqual(await images.remove('busybox', { usedBy, force: true }), [{ untagged: 'busybox:latest' }, { deleted: img.id }]);
    assert.equal(snapshotter.hasLayer(img.chainId), true);
  });

  it('refuses to delete by id an image in several repositories unless forced', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    await images.tag('busybox', 'other');
    const short = img.id.slice(7, 19);
    await assert.rejects(images.remove(short), message(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`));
    assert.deepEqual(await images.remove(short, { force: true }), [
      { untagged: 'busybox:latest' }, { untagged: 'other:latest' }, { deleted: img.id }, { deleted: img.chainId },
    ]);
  });

  it('deletes by id an image with one tag, and reports containers as Docker does', async () => {
    const img = await importTar(rootfs, { repo: 'busybox' });
    const short = img.id.slice(7, 19);
    const cid = 'c0ffee00c0ffee00';
    await assert.rejects(images.remove(short, { usedBy: () => [cid] }), message(`conflict: unable to delete ${short} (must be forced) - image is being used by stopped container c0ffee00c0ff`));
    await assert.rejects(images.remove(short, { usedBy: () => [cid], runningBy: () => [cid], force: true }), message(`conflict: unable to delete ${short} (cannot be forced) - image is being used by running container c0ffee00c0ff`));
    // A container's snapshot keeps the layer when the image is forced away.
    await snapshotter.prepare(cid, img.chainId);
    assert.deepEqual(await images.remove(short, { usedBy: () => [cid], force: true }), [{ untagged: 'busybox:latest' }, { deleted: img.id }]);
    assert.equal(snapshotter.hasLayer(img.chainId), true);
    // Once the container is gone, the next open collects the layer.
    await snapshotter.remove(cid);
    await open();
    assert.equal(snapshotter.hasLayer(img.chainId), false);
  });

  it('keeps a layer that another image still uses', async () => {
    const a = await importTar(rootfs, { repo: 'a' });
    const b = await importTar(rootfs, { repo: 'b', changes: ['CMD ["x"]'] });
    assert.equal(a.chainId, b.chainId);
    assert.deepEqual(await images.remove('a'), [{ untagged: 'a:latest' }, { deleted: a.id }]);
    assert.equal(snapshotter.hasLayer(b.chainId), true);
    assert.equal(await content.has(sha256Digest(rootfs)), true);
  });

  it('prunes dangling images, or all unused ones', async () => {
    const tagged = await importTar(rootfs, { repo: 'kept' });
    const dangling = await importTar(rootfs, { changes: ['LABEL x=1'] });
    const used = await importTar(rootfs, { changes: ['LABEL x=2'] });
    const usedBy = (id: Digest) => (id === used.id ? ['abc'] : []);
    const r1 = await images.prune({ dangling: true, usedBy });
    assert.deepEqual(r1.deleted, [{ deleted: dangling.id }]);
    assert.deepEqual(images.list().map((i) => i.id).sort(), [tagged.id, used.id].sort());
    const r2 = await images.prune({ dangling: false, usedBy });
    assert.deepEqual(r2.deleted, [{ untagged: 'kept:latest' }, { deleted: tagged.id }]);
    assert.equal(r2.spaceReclaimed, 0);
    const r3 = await images.prune({ dangling: false });
    assert.deepEqual(r3.deleted, [{ deleted: used.id }, { deleted: used.chainId }]);
    assert.equal(r3.spaceReclaimed, used.size);
  });

  it('applyLayer leaves no layer when the diff id does not match', async () => {
    await assert.rejects(
      images.applyLayer('', Readable.from([rootfs]), { diffId: sha256Digest('something else') }),
      (err: unknown) => err instanceof InvalidArgument && /diff id mismatch/.test(err.message),
    );
    assert.deepEqual(snapshotter.layers(), []);
    const layer = await images.applyLayer('', Readable.from([rootfs]), { diffId: sha256Digest(rootfs) });
    assert.equal(layer.size, 48);
    const top = await buildTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/.wh.passwd' }, { name: 'etc/hostname', content: 'box\n' }]);
    const second = await images.applyLayer(layer.chainId, Readable.from([top]), { diffId: sha256Digest(top) });
    assert.equal(second.chainId, sha256Digest(`${layer.chainId} ${sha256Digest(top)}`));
    const img = await images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId, second.diffId] } }, { tags: ['two:layers'] });
    assert.equal(img.chainId, second.chainId);
    assert.equal(img.size, 48 + 4);
    assert.deepEqual((await readdir(snapshotter.layerDirs(img.chainId)[0]!)).sort(), ['etc']);
  });

  it('stacks unpacked layers so that a mounted snapshot shows their whiteouts applied', { skip: process.getuid?.() !== 0 && 'needs root to mount' }, async () => {
    const base = await buildTar([
      { name: 'etc/', type: 'directory' }, { name: 'etc/passwd', content: 'root\n' }, { name: 'etc/gone', content: 'x' },
      { name: 'var/', type: 'directory' }, { name: 'var/old', content: 'o' },
    ]);
    const top = await buildTar([
      { name: 'etc/', type: 'directory' }, { name: 'etc/.wh.gone' },
      { name: 'var/', type: 'directory' }, { name: 'var/.wh..wh..opq' }, { name: 'var/new', content: 'n' },
    ]);
    const l1 = await images.applyLayer('', Readable.from([base]), { diffId: sha256Digest(base) });
    const l2 = await images.applyLayer(l1.chainId, Readable.from([top]), { diffId: sha256Digest(top) });
    const [m] = await snapshotter.prepare('c1', l2.chainId);
    const target = join(root, 'rootfs');
    execFileSync('mkdir', [target]);
    execFileSync('mount', ['-t', m!.type, '-o', m!.options.join(','), m!.source, target]);
    try {
      assert.deepEqual((await readdir(join(target, 'etc'))).sort(), ['passwd']);
      assert.deepEqual(await readdir(join(target, 'var')), ['new']);
    } finally {
      execFileSync('umount', [target]);
    }
  });

  it('create refuses a config whose layers are not unpacked', async () => {
    await assert.rejects(images.create({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest('x')] } }), NotFound);
    await assert.rejects(images.create(Buffer.from('{"rootfs":{"type":"zfs"}}')), InvalidArgument);
  });
});
