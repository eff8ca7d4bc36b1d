import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareApiVersions, negotiateApiVersion } from './api-version.js';

test('negotiateApiVersion takes the lower of ours and the daemon\'s, 1.24 when unknown', () => {
  assert.equal(negotiateApiVersion('1.41'), '1.41');
  assert.equal(negotiateApiVersion('1.51'), '1.45');
  assert.equal(negotiateApiVersion(undefined), '1.24');
  assert.equal(negotiateApiVersion('garbage'), '1.24');
});

test('compareApiVersions compares numerically', () => {
  assert.ok(compareApiVersions('1.9', '1.10') < 0);
  assert.equal(compareApiVersions('1.45', '1.45'), 0);
});
