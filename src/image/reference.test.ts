import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgument } from '../common/errors.js';
import { familiarName, familiarRepository, normalizeReference, parseReference, referenceString, withTag } from './reference.js';

const hex = 'a'.repeat(64);

describe('normalizeReference', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['me/app:v1', 'docker.io/me/app:v1'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['registry.example.com/team/app', 'registry.example.com/team/app:latest'],
    ['Registry.Example.com/app', 'Registry.Example.com/app:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    [`busybox@sha256:${hex}`, `docker.io/library/busybox@sha256:${hex}`],
    [`busybox:1@sha256:${hex}`, `docker.io/library/busybox:1@sha256:${hex}`],
    ['a__b/c-d.e_f---g', 'docker.io/a__b/c-d.e_f---g:latest'],
  ];
  for (const [input, want] of cases) {
    it(`normalizes ${input}`, () => assert.equal(referenceString(normalizeReference(input)), want));
  }

  it('keeps a missing tag missing in parseReference', () => {
    assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox' });
  });
});

describe('parseReference errors', () => {
  const cases: [string, string][] = [
    ['Busybox', 'invalid reference format: repository name must be lowercase'],
    ['me/App:v1', 'invalid reference format: repository name must be lowercase'],
    ['busybox:', 'invalid reference format'],
    ['busybox::1', 'invalid reference format'],
    ['-busybox', 'invalid reference format'],
    ['busybox/', 'invalid reference format'],
    ['a b', 'invalid reference format'],
    ['busybox:tag with space', 'invalid reference format'],
    ['busybox@sha256:abc', 'invalid reference format'],
    ['', 'invalid reference format'],
    [hex, `invalid repository name (${hex}), cannot specify 64-byte hexadecimal strings`],
    [`${'a'.repeat(250)}/${'b'.repeat(10)}`, 'repository name must not be more than 255 characters'],
  ];
  for (const [input, message] of cases) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(() => parseReference(input), (err: unknown) => err instanceof InvalidArgument && err.message === message);
    });
  }

  it('rejects a bad tag in withTag', () => {
    assert.throws(() => withTag(parseReference('busybox'), '-x'), /invalid tag format/);
  });
});

describe('familiarName', () => {
  it('shortens Docker Hub references as docker does', () => {
    assert.equal(familiarName('busybox'), 'busybox');
    assert.equal(familiarName(normalizeReference('busybox')), 'busybox:latest');
    assert.equal(familiarName('docker.io/library/busybox:1'), 'busybox:1');
    assert.equal(familiarName('docker.io/me/app:1'), 'me/app:1');
    assert.equal(familiarName('docker.io/library/a/b:1'), 'library/a/b:1');
    assert.equal(familiarName('localhost:5000/a/b:t'), 'localhost:5000/a/b:t');
    assert.equal(familiarName(`busybox@sha256:${hex}`), `busybox@sha256:${hex}`);
    assert.equal(familiarRepository(normalizeReference('busybox:1')), 'busybox');
  });
});
