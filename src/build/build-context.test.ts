import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tempTree } from './temp-tree.js';
import { applyDockerignore } from './build-context.js';

test('applyDockerignore keeps what an exception brings back below an excluded directory', async () => {
  const root = await tempTree({ 'keep.txt': '', 'x.log': '', 'logs/a.log': '', 'docs/a.md': '', 'docs/keep/b.md': '', 'deep/er/tmp': '' });
  try {
    await applyDockerignore(root, '*.log\nlogs\ndocs\n!docs/keep\n**/tmp\n');
    const { readdir } = await import('node:fs/promises');
    const all = (await readdir(root, { recursive: true })).sort();
    assert.deepEqual(all, ['deep', 'deep/er', 'docs', 'docs/keep', 'docs/keep/b.md', 'keep.txt']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
