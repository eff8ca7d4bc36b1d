import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('parses a bearer challenge with realm, service and a scope holding a comma', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.test/token",service="reg",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.test/token', service: 'reg', scope: 'repository:a/b:pull,push' } },
    ]);
  });

  it('parses basic, unquoted values, escapes and several challenges', () => {
    assert.deepEqual(parseWwwAuthenticate(['Basic realm="Registry \\"Realm\\""', 'Bearer realm=x, error=insufficient_scope']), [
      { scheme: 'basic', params: { realm: 'Registry "Realm"' } },
      { scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
  });
});
