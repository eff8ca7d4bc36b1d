import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExistingInRoot as resolveInRoot } from './resolve-in-root.js';

test('resolveExistingInRoot follows symlinks as the container sees them, never out of the root', async () => {
  const root = await mkdtemp(join(tmpdir(), 'resolve-in-root-'));
  try {
    await mkdir(join(root, 'real/dir'), { recursive: true });
    await symlink('/real', join(root, 'abs'));
    await symlink('../../../../../real/dir', join(root, 'up'));
    await symlink(tmpdir(), join(root, 'host'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
    assert.equal(await resolveInRoot(root, '/abs/dir'), join(root, 'real/dir'));
    assert.equal(await resolveInRoot(root, '/up'), join(root, 'real/dir'));
    assert.equal(await resolveInRoot(root, '/../../real'), join(root, 'real'));
    // The host's tmpdir, read inside the root, does not exist there.
    assert.equal(await resolveInRoot(root, '/host'), undefined);
    assert.equal(await resolveInRoot(root, '/missing/x'), undefined);
    await assert.rejects(resolveInRoot(root, '/loop1'), /too many levels of symbolic links/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
