import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempTree } from './temp-tree.js';
import { resolveInRoot } from '../common/resolve-in-root.js';

test('resolveInRoot follows links inside the root and never out of it', async () => {
  const root = await tempTree({ 'etc/passwd': 'x', abs: { link: '/etc' }, up: { link: '../../../../etc' }, 'a/self': { link: '.' }, loop: { link: 'loop' } });
  try {
    assert.equal(await resolveInRoot(root, '/abs/passwd'), join(root, 'etc/passwd'));
    assert.equal(await resolveInRoot(root, 'up/passwd'), join(root, 'etc/passwd'));
    assert.equal(await resolveInRoot(root, '../../abs'), join(root, 'etc'));
    assert.equal(await resolveInRoot(root, 'abs', { followLast: false }), join(root, 'abs'));
    assert.equal(await resolveInRoot(root, 'a/self/self/missing/x'), join(root, 'a/missing/x'));
    await assert.rejects(resolveInRoot(root, 'loop'), /too many levels of symbolic links/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
