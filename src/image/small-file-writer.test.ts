import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SmallFileWriter } from './small-file-writer.js';

describe('SmallFileWriter', () => {
  it('writes a batch with modes and times, replaces an existing file, never follows a final symlink, and reports errors per file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-small-'));
    const writer = new SmallFileWriter();
    try {
      await writeFile(join(dir, 'old'), 'before');
      await writeFile(join(dir, 'outside'), 'untouched');
      await symlink(join(dir, 'outside'), join(dir, 'link'));
      const mtime = new Date('2020-01-02T03:04:05Z');
      const results = await Promise.allSettled([
        writer.write({ path: join(dir, 'a'), data: Buffer.from('alpha'), createMode: 0o640, chmod: 0o4640, mtime }),
        writer.write({ path: join(dir, 'empty'), data: new Uint8Array(0), createMode: 0o600 }),
        writer.write({ path: join(dir, 'old'), data: Buffer.from('after'), createMode: 0o644 }),
        writer.write({ path: join(dir, 'link'), data: Buffer.from('replaces the link'), createMode: 0o644 }),
        writer.write({ path: join(dir, 'no-such-dir', 'x'), data: Buffer.from('x'), createMode: 0o644 }),
      ]);
      assert.deepEqual(results.slice(0, 4).map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const failed = results[4]!;
      assert.equal(failed.status, 'rejected');
      assert.equal((failed as PromiseRejectedResult).reason.code, 'ENOENT');
      const st = await lstat(join(dir, 'a'));
      assert.equal(st.mode & 0o7777, 0o4640);
      assert.equal(st.mtime.getTime(), mtime.getTime());
      assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'alpha');
      assert.equal((await lstat(join(dir, 'empty'))).size, 0);
      assert.equal(await readFile(join(dir, 'old'), 'utf8'), 'after');
      assert.ok((await lstat(join(dir, 'link'))).isFile(), 'the symlink was replaced by a file');
      assert.equal(await readFile(join(dir, 'outside'), 'utf8'), 'untouched');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
