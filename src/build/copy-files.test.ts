import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tempTree } from './temp-tree.js';
import { matchSources } from './copy-files.js';

test('matchSources matches globs per path component and refuses paths outside the context', async () => {
  const root = await tempTree({ 'a.txt': '', 'b.txt': '', 'c.md': '', 'sub/d.txt': '', 'sub/deeper/e.txt': '' });
  try {
    const rels = async (p: string) => (await matchSources(root, p, 'COPY')).map((s) => s.rel);
    assert.deepEqual(await rels('*.txt'), ['a.txt', 'b.txt']);
    assert.deepEqual(await rels('[ab].txt'), ['a.txt', 'b.txt']);
    assert.deepEqual(await rels('*/?.txt'), ['sub/d.txt']);
    assert.deepEqual(await rels('/sub/../c.md'), ['c.md']);
    await assert.rejects(matchSources(root, '*.none', 'COPY'), /COPY failed: no source files were specified/);
    await assert.rejects(matchSources(root, 'missing', 'ADD'), /ADD failed: file not found in build context or excluded by .dockerignore: stat missing: file does not exist/);
    await assert.rejects(matchSources(root, '../outside', 'COPY'), /Forbidden path outside the build context/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
