import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familiarName, familiarString, normalizedName, parseImageReference, withDefaultTag } from './image-reference.js';

test('parseImageReference normalizes docker hub names', () => {
  const ref = parseImageReference('busybox');
  assert.equal(normalizedName(ref), 'docker.io/library/busybox');
  assert.equal(familiarName(ref), 'busybox');
  assert.equal(familiarString(withDefaultTag(ref)), 'busybox:latest');
  assert.equal(normalizedName(parseImageReference('user/app:1')), 'docker.io/user/app');
});

test('parseImageReference keeps registries with ports and splits tags from digests', () => {
  const ref = parseImageReference('localhost:5000/x/bb:2');
  assert.deepEqual(ref, { domain: 'localhost:5000', path: 'x/bb', tag: '2' });
  assert.equal(familiarString(ref), 'localhost:5000/x/bb:2');
  const digest = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(parseImageReference(`alpine@${digest}`), { domain: 'docker.io', path: 'library/alpine', digest });
});

test('parseImageReference rejects bad names like docker', () => {
  assert.throws(() => parseImageReference('Busybox'), { message: 'invalid reference format: repository name (library/Busybox) must be lowercase' });
  assert.throws(() => parseImageReference('a:b:c'), { message: 'invalid reference format' });
  assert.throws(() => parseImageReference(''), { message: 'invalid reference format' });
});
