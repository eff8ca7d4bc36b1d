import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListenAddress } from './server.js';

test('parseListenAddress reads dockerd\'s -H forms, with the port by TLS', () => {
  assert.deepEqual(parseListenAddress('unix:///run/berth/berth.sock', false), { kind: 'unix', path: '/run/berth/berth.sock' });
  assert.deepEqual(parseListenAddress('tcp://127.0.0.1:2376', true), { kind: 'tcp', host: '127.0.0.1', port: 2376 });
  assert.deepEqual(parseListenAddress('tcp://127.0.0.1', true), { kind: 'tcp', host: '127.0.0.1', port: 2376 });
  assert.deepEqual(parseListenAddress('tcp://127.0.0.1', false), { kind: 'tcp', host: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseListenAddress('tcp://:2375', false), { kind: 'tcp', host: '0.0.0.0', port: 2375 });
  assert.deepEqual(parseListenAddress('tcp://[::1]:2376', true), { kind: 'tcp', host: '::1', port: 2376 });
  for (const bad of ['unix://relative.sock', 'tcp://host:99999', 'udp://x:1', 'tcp://a:b']) assert.throws(() => parseListenAddress(bad, false), /invalid listen address/);
});
