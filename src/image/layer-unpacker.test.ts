import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it, beforeEach, afterEach } from 'node:test';
import { promisify } from 'node:util';
import { InvalidArgument } from '../common/errors.js';
import { splitPath, unpackLayer } from './layer-unpacker.js';
import { buildTar, type TarEntry } from './build-tar.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const t0 = new Date(1_500_000_000_000);

async function getXattr(path: string, name: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('getfattr', ['-h', '--only-values', '-n', name, path]);
    return stdout;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, () => false);
}

describe('unpackLayer', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'berth-unpack-'));
    root = join(base, 'layer');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterEach(async () => {
    // Unprivileged, the read-only directories a test unpacked would stop rm.
    await run('chmod', ['-R', 'u+rwx', base]);
    await rm(base, { recursive: true, force: true });
  });

  const unpack = async (entries: TarEntry[]) => unpackLayer(Readable.from([await buildTar(entries)]), root);

  it('writes files, directories, symlinks and hard links with modes and times', async () => {
    const result = await unpack([
      { name: './', type: 'directory', mode: 0o755, mtime: t0 },
      { name: 'etc/', type: 'directory', mode: 0o755, mtime: t0 },
      { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644, mtime: t0 },
      { name: 'bin/', type: 'directory', mode: 0o711, mtime: t0 },
      { name: 'bin/tool', content: 'binary', mode: 0o755, mtime: t0 },
      { name: 'bin/alias', type: 'link', linkname: 'bin/tool' },
      { name: 'bin/sh', type: 'symlink', linkname: '/bin/tool', mtime: t0 },
      { name: 'tmp/', type: 'directory', mode: 0o1777, mtime: t0 },
      { name: 'ro/', type: 'directory', mode: 0o555, mtime: t0 },
      { name: 'ro/file', content: 'in a read-only dir', mode: 0o400 },
      { name: 'implicit/parent/file', content: 'x' },
    ]);
    assert.equal(result.size, 26 + 6 + 18 + 1);
    assert.equal(await readFile(join(root, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
    assert.equal((await stat(join(root, 'bin/tool'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(root, 'bin'))).mode & 0o7777, 0o711);
    assert.equal((await stat(join(root, 'tmp'))).mode & 0o7777, 0o1777);
    assert.equal((await stat(join(root, 'ro'))).mode & 0o7777, 0o555);
    assert.equal((await stat(join(root, 'ro/file'))).mode & 0o7777, 0o400);
    assert.equal((await stat(join(root, 'implicit'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(root, 'bin/alias'))).ino, (await stat(join(root, 'bin/tool'))).ino);
    assert.equal(await readlink(join(root, 'bin/sh')), '/bin/tool');
    // Directory times are set after their contents were written.
    assert.equal((await stat(join(root, 'etc'))).mtimeMs, t0.getTime());
    assert.equal((await stat(join(root, 'bin'))).mtimeMs, t0.getTime());
    assert.equal((await stat(root)).mtimeMs, t0.getTime());
    assert.equal((await stat(join(root, 'etc/passwd'))).mtimeMs, t0.getTime());
    assert.equal((await lstat(join(root, 'bin/sh'))).mtimeMs, t0.getTime());
  });

  it('streams large files and keeps their content', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    await unpack([{ name: 'big', content: big }, { name: 'small', content: 'after' }]);
    assert.deepEqual(await readFile(join(root, 'big')), big);
    assert.equal(await readFile(join(root, 'small'), 'utf8'), 'after');
  });

  it('writes many small files', async () => {
    const entries: TarEntry[] = [{ name: 'd/', type: 'directory' }];
    for (let i = 0; i < 500; i++) entries.push({ name: `d/f${i}`, content: `file ${i}` });
    const result = await unpack(entries);
    assert.equal(result.entries, 501);
    assert.equal((await readdir(join(root, 'd'))).length, 500);
    assert.equal(await readFile(join(root, 'd/f499'), 'utf8'), 'file 499');
  });

  it('lets a later duplicate entry replace an earlier one', async () => {
    await unpack([
      { name: 'a', content: 'first' },
      { name: 'a', content: 'second' },
      { name: 'd/', type: 'directory' },
      { name: 'd/x', content: 'x' },
      { name: 'd', type: 'symlink', linkname: 'elsewhere' },
      { name: 'l', type: 'symlink', linkname: 'one' },
      { name: 'l', content: 'now a file' },
    ]);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'second');
    assert.equal(await readlink(join(root, 'd')), 'elsewhere');
    assert.equal(await readFile(join(root, 'l'), 'utf8'), 'now a file');
  });

  it('makes absolute names relative to the layer root', async () => {
    await unpack([{ name: '/abs/file', content: 'inside' }]);
    assert.equal(await readFile(join(root, 'abs/file'), 'utf8'), 'inside');
  });

  it('refuses names with ..', async () => {
    await assert.rejects(unpack([{ name: '../escaped', content: 'x' }]), InvalidArgument);
    await assert.rejects(unpack([{ name: 'a/../../escaped', content: 'x' }]), InvalidArgument);
    assert.equal(await exists(join(base, 'escaped')), false);
  });

  it('refuses to write through a symlinked parent', async () => {
    await assert.rejects(unpack([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/pwned', content: 'x' },
    ]), /parent "evil" is a symlink/);
    assert.deepEqual(await readdir(outside), []);
  });

  it('refuses a symlinked parent that replaced a directory', async () => {
    await assert.rejects(unpack([
      { name: 'd/', type: 'directory' },
      { name: 'd', type: 'symlink', linkname: outside },
      { name: 'd/pwned', content: 'x' },
    ]), InvalidArgument);
    assert.deepEqual(await readdir(outside), []);
  });

  it('refuses whiteouts and devices through a symlinked parent', async () => {
    await assert.rejects(unpack([
      { name: 'evil', type: 'symlink', linkname: outside },
      { name: 'evil/.wh.victim' },
    ]), InvalidArgument);
    await assert.rejects(unpack([
      { name: 'evil2', type: 'symlink', linkname: outside },
      { name: 'evil2/fifo', type: 'fifo' },
    ]), InvalidArgument);
    assert.deepEqual(await readdir(outside), []);
  });

  it('refuses hard links to outside the layer', async () => {
    await rm(join(outside, 'secret'), { force: true });
    await import('node:fs/promises').then((fs) => fs.writeFile(join(outside, 'secret'), 'host file'));
    await assert.rejects(unpack([{ name: 'h', type: 'link', linkname: '../outside/secret' }]), InvalidArgument);
    await assert.rejects(unpack([{ name: 'h', type: 'link', linkname: join(outside, 'secret') }]), /not in the layer/);
    await assert.rejects(unpack([
      { name: 's', type: 'symlink', linkname: outside },
      { name: 'h', type: 'link', linkname: 's/secret' },
    ]), InvalidArgument);
    await assert.rejects(unpack([
      { name: 'd/', type: 'directory' },
      { name: 'h', type: 'link', linkname: 'd' },
    ]), /is a directory/);
    assert.equal(await exists(join(root, 'h')), false);
    assert.equal((await stat(join(outside, 'secret'))).nlink, 1);
  });

  it('does not follow a symlink at the final component of a file', async () => {
    await unpack([
      { name: 'f', type: 'symlink', linkname: join(outside, 'target') },
      { name: 'f', content: 'replaces the link' },
    ]);
    assert.equal(await exists(join(outside, 'target')), false);
    assert.equal(await readFile(join(root, 'f'), 'utf8'), 'replaces the link');
  });

  it('turns whiteouts into overlay whiteouts and opaque markers into the opaque xattr', { skip: !isRoot && 'needs root for trusted xattrs' }, async () => {
    await unpack([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.removed' },
      { name: 'var/', type: 'directory' },
      { name: 'var/.wh..wh..opq' },
      { name: 'var/kept', content: 'k' },
      { name: '.wh..wh.plnk/' , type: 'directory' },
    ]);
    const wh = await lstat(join(root, 'etc/removed'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.deepEqual(await readdir(join(root, 'var')), ['kept']);
    assert.equal(await getXattr(join(root, 'var'), 'trusted.overlay.opaque'), 'y');
    assert.equal(await exists(join(root, '.wh..wh.plnk')), false);
    assert.equal(await exists(join(root, 'etc/.wh.removed')), false);
  });

  it('keeps what the layer itself has at a whiteout path, hiding only the lower layers', { skip: !isRoot && 'needs root for trusted xattrs' }, async () => {
    await unpack([
      // Whiteout first, then a directory of the same name: the directory is opaque.
      { name: '.wh.a' },
      { name: 'a/', type: 'directory' },
      { name: 'a/new', content: 'n' },
      // Directory first, then its whiteout: the same.
      { name: 'b/', type: 'directory' },
      { name: 'b/new', content: 'n' },
      { name: '.wh.b' },
      // A file of this layer survives a later whiteout of its name.
      { name: 'c', content: 'kept' },
      { name: '.wh.c' },
      // Whiteout replaced by a file.
      { name: '.wh.d' },
      { name: 'd', content: 'file' },
    ]);
    for (const d of ['a', 'b']) {
      assert.ok((await lstat(join(root, d))).isDirectory(), d);
      assert.equal(await getXattr(join(root, d), 'trusted.overlay.opaque'), 'y', d);
      assert.deepEqual(await readdir(join(root, d)), ['new']);
    }
    assert.equal(await readFile(join(root, 'c'), 'utf8'), 'kept');
    assert.equal(await readFile(join(root, 'd'), 'utf8'), 'file');
  });

  it('creates devices and fifos and sets owners', { skip: !isRoot && 'needs root for mknod and chown' }, async () => {
    await unpack([
      { name: 'dev/', type: 'directory' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660, gid: 6 },
      { name: 'dev/pipe', type: 'fifo', mode: 0o600, uid: 1000 },
      { name: 'home/', type: 'directory' },
      { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 },
      { name: 'home/user/file', content: 'mine', uid: 1000, gid: 1000, mode: 0o640 },
      { name: 'suid', content: 'x', uid: 1000, gid: 1000, mode: 0o4755 },
      { name: 'link', type: 'symlink', linkname: 'suid', uid: 1000, gid: 1001 },
    ]);
    const nul = await lstat(join(root, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o7777, 0o666);
    const loop = await lstat(join(root, 'dev/loop0'));
    assert.ok(loop.isBlockDevice());
    assert.equal(loop.gid, 6);
    const pipe = await lstat(join(root, 'dev/pipe'));
    assert.ok(pipe.isFIFO());
    assert.equal(pipe.uid, 1000);
    const home = await lstat(join(root, 'home/user'));
    assert.deepEqual([home.uid, home.gid, home.mode & 0o7777], [1000, 1000, 0o750]);
    const file = await lstat(join(root, 'home/user/file'));
    assert.deepEqual([file.uid, file.gid, file.mode & 0o7777], [1000, 1000, 0o640]);
    const suid = await lstat(join(root, 'suid'));
    assert.equal(suid.mode & 0o7777, 0o4755);
    const link = await lstat(join(root, 'link'));
    assert.deepEqual([link.uid, link.gid], [1000, 1001]);
  });

  it('sets allowed extended attributes and ignores trusted ones', { skip: !isRoot && 'needs root' }, async () => {
    await unpack([
      { name: 'f', content: 'x', pax: { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
    ]);
    assert.equal(await getXattr(join(root, 'f'), 'user.note'), 'hello');
    assert.equal(await getXattr(join(root, 'f'), 'trusted.overlay.redirect'), undefined);
  });

  it('fails on a truncated tar', async () => {
    const tar = await buildTar([{ name: 'f', content: Buffer.alloc(10000, 1) }]);
    await assert.rejects(unpackLayer(Readable.from([tar.subarray(0, 3000)]), root));
  });

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled by test'));
    const tar = await buildTar([{ name: 'f', content: 'x' }]);
    await assert.rejects(unpackLayer(Readable.from([tar]), root, { signal: ac.signal }), /cancelled by test/);
  });
});

describe('splitPath', () => {
  it('makes names relative and refuses ..', () => {
    assert.deepEqual(splitPath('./a//b/./c/'), ['a', 'b', 'c']);
    assert.deepEqual(splitPath('/etc/passwd'), ['etc', 'passwd']);
    assert.deepEqual(splitPath('./'), []);
    assert.throws(() => splitPath('a/../b'), InvalidArgument);
  });
});
