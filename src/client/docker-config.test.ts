import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authKey, credentialsFor, encodeRegistryAuth, registryHostOf } from './docker-config.js';

describe('docker config credentials', () => {
  const config = {
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
      '127.0.0.1:5000': { auth: Buffer.from('me:s:e:cret').toString('base64') },
      'http://reg.example:8080/': { auth: Buffer.from('x:y').toString('base64') },
      'token.example': { identitytoken: 'refresh-me' },
    },
  };

  it('finds credentials by registry, under docker\'s keys', () => {
    assert.deepEqual(credentialsFor(config, 'docker.io'), { username: 'hub', password: 'pw', serveraddress: 'https://index.docker.io/v1/' });
    assert.deepEqual(credentialsFor(config, '127.0.0.1:5000'), { username: 'me', password: 's:e:cret', serveraddress: '127.0.0.1:5000' });
    assert.deepEqual(credentialsFor(config, 'reg.example:8080'), { username: 'x', password: 'y', serveraddress: 'reg.example:8080' });
    assert.deepEqual(credentialsFor(config, 'token.example'), { identitytoken: 'refresh-me', serveraddress: 'token.example' });
    assert.equal(credentialsFor(config, 'quay.io'), undefined);
  });

  it('keys Docker Hub by its legacy URL and others by host', () => {
    assert.equal(authKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(authKey(registryHostOf('https://index.docker.io/v1/')), 'https://index.docker.io/v1/');
    assert.equal(registryHostOf('http://127.0.0.1:5000/'), '127.0.0.1:5000');
    assert.equal(registryHostOf(''), 'docker.io');
  });

  it('encodes X-Registry-Auth as base64url JSON, {} when anonymous', () => {
    assert.equal(encodeRegistryAuth(undefined), Buffer.from('{}').toString('base64url'));
    assert.deepEqual(JSON.parse(Buffer.from(encodeRegistryAuth({ username: 'a' }), 'base64url').toString()), { username: 'a' });
  });
});
