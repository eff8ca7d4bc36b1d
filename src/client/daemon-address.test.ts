import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DAEMON_HOST, parseDaemonAddress, resolveDaemonAddress } from './daemon-address.js';

test('resolveDaemonAddress prefers -H, then BERTH_HOST, then DOCKER_HOST, then the berth socket', () => {
  const env = { BERTH_HOST: 'unix:///b.sock', DOCKER_HOST: 'unix:///d.sock' };
  assert.equal(resolveDaemonAddress('unix:///h.sock', env).url, 'unix:///h.sock');
  assert.equal(resolveDaemonAddress(undefined, env).url, 'unix:///b.sock');
  assert.equal(resolveDaemonAddress(undefined, { DOCKER_HOST: 'unix:///d.sock' }).url, 'unix:///d.sock');
  assert.equal(resolveDaemonAddress(undefined, {}).url, DEFAULT_DAEMON_HOST);
});

test('parseDaemonAddress reads unix and tcp hosts', () => {
  assert.deepEqual(parseDaemonAddress('unix:///run/berth/berth.sock'), { kind: 'unix', url: 'unix:///run/berth/berth.sock', socketPath: '/run/berth/berth.sock' });
  assert.deepEqual(parseDaemonAddress('tcp://127.0.0.1:2376'), { kind: 'tcp', url: 'tcp://127.0.0.1:2376', host: '127.0.0.1', port: 2376 });
  assert.deepEqual(parseDaemonAddress('tcp://[::1]'), { kind: 'tcp', url: 'tcp://[::1]:2375', host: '::1', port: 2375 });
  assert.throws(() => parseDaemonAddress('/run/x.sock'), { message: 'unable to parse docker host `/run/x.sock`' });
  assert.throws(() => parseDaemonAddress('ssh://x'));
});
