import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapePath, toQueryString } from './to-query-string.js';

test('toQueryString sorts keys, writes booleans as 1 and skips unset values like Go', () => {
  assert.equal(toQueryString({ stream: true, stdout: true, stderr: true, stdin: false, logs: undefined }), '?stderr=1&stdout=1&stream=1');
  assert.equal(toQueryString({}), '');
  assert.equal(toQueryString({ t: 0 }), '?t=0');
});

test('toQueryString escapes like url.QueryEscape and repeats list values', () => {
  assert.equal(toQueryString({ filters: '{"name":{"t1":true}}' }), '?filters=%7B%22name%22%3A%7B%22t1%22%3Atrue%7D%7D');
  assert.equal(toQueryString({ changes: ['ENV A=1', 'CMD ["sh"]'], message: "it's *" }), '?changes=ENV+A%3D1&changes=CMD+%5B%22sh%22%5D&message=it%27s+%2A');
  assert.equal(toQueryString({ repo: 'docker.io/library/bb' }), '?repo=docker.io%2Flibrary%2Fbb');
});

test('escapePath keeps slashes and colons of image references', () => {
  assert.equal(escapePath('localhost:5000/x/bb:2'), 'localhost:5000/x/bb:2');
  assert.equal(escapePath('a b?#'), 'a%20b%3F%23');
});
