import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgument } from '../../common/errors.js';
import { decodeRegistryAuth } from './images.js';

describe('decodeRegistryAuth', () => {
  const auth = { username: 'u', password: 'p?>~', serveraddress: 'reg.test' };
  const json = JSON.stringify(auth);
  it('accepts the URL and standard alphabets, padded or not', () => {
    const std = Buffer.from(json).toString('base64');
    const url = Buffer.from(json).toString('base64url');
    for (const h of [std, std.replace(/=+$/, ''), url, `${url}${'='.repeat((4 - (url.length % 4)) % 4)}`]) assert.deepEqual(decodeRegistryAuth(h), auth, h);
  });

  it('takes an absent header, an empty one and e30= as anonymous', () => {
    assert.deepEqual(decodeRegistryAuth(undefined), {});
    assert.deepEqual(decodeRegistryAuth(''), {});
    assert.deepEqual(decodeRegistryAuth('e30='), {});
    assert.deepEqual(decodeRegistryAuth('e30'), {});
  });

  it('refuses what is not a JSON object', () => {
    assert.throws(() => decodeRegistryAuth(Buffer.from('[1]').toString('base64')), InvalidArgument);
    assert.throws(() => decodeRegistryAuth('!!!'), InvalidArgument);
  });
});
