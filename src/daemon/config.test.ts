import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHost, parseDaemonArgs } from './config.js';

const files = (m: Record<string, string>) => (p: string) => m[p];

test('parseDaemonArgs takes dockerd\'s flags, with dockerd\'s defaults', () => {
  const { config } = parseDaemonArgs(['-H', 'unix:///tmp/x.sock', '-H', 'tcp://127.0.0.1:2375', '--data-root', '/d', '--exec-root', '/e', '-p', '/p.pid', '--default-runtime', 'runc', '-l', 'debug'], files({}));
  assert.deepEqual(config.hosts, ['unix:///tmp/x.sock', 'tcp://127.0.0.1:2375']);
  assert.equal(config.dataRoot, '/d');
  assert.equal(config.execRoot, '/e');
  assert.equal(config.pidfile, '/p.pid');
  assert.equal(config.defaultRuntime, 'runc');
  assert.equal(config.logLevel, 'debug');
  const d = parseDaemonArgs([], files({})).config;
  assert.deepEqual(d.hosts, ['unix:///run/berth/berth.sock']);
  assert.equal(d.dataRoot, '/var/lib/berth');
});

test('parseDaemonArgs reads daemon.json keys and refuses a directive given twice, as dockerd does', () => {
  const f = files({ '/c.json': JSON.stringify({ 'data-root': '/from-file', runtimes: { crun2: { path: '/usr/bin/crun' } }, debug: true }) });
  const { config } = parseDaemonArgs(['--config-file', '/c.json'], f);
  assert.equal(config.dataRoot, '/from-file');
  assert.deepEqual(config.runtimes, { crun2: '/usr/bin/crun' });
  assert.equal(config.logLevel, 'debug');
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json', '--data-root', '/x'], f), /the following directives are specified both as a flag and in the configuration file: data-root/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/missing.json'], f), /open \/missing.json: no such file or directory/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/bad.json'], files({ '/bad.json': '{' })), /unable to configure the Berth daemon with file \/bad.json/);
  assert.throws(() => parseDaemonArgs(['--log-level', 'loud'], f), /unable to parse logging level: loud/);
});

test('normalizeHost reads -H values as dockerd does', () => {
  assert.equal(normalizeHost('/run/x.sock'), 'unix:///run/x.sock');
  assert.equal(normalizeHost('127.0.0.1:2376'), 'tcp://127.0.0.1:2376');
  assert.equal(normalizeHost('localhost'), 'tcp://localhost:2375');
});

test('parseDaemonArgs takes dockerd\'s TLS and socket group flags, --flag=value booleans included', () => {
  const { config } = parseDaemonArgs(['--tlsverify', '--tlscacert', '/c/ca.pem', '--tlscert', '/c/cert.pem', '--tlskey', '/c/key.pem', '-G', 'berth'], files({}));
  assert.deepEqual(config.tls, { enabled: true, verify: true, caCert: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem' });
  assert.equal(config.group, 'berth');
  const d = parseDaemonArgs([], files({})).config;
  assert.equal(d.group, 'docker');
  assert.equal(d.tls.enabled, undefined);
  assert.equal(d.tls.verify, undefined);
  assert.match(d.tls.caCert, /\/\.docker\/ca\.pem$|\/ca\.pem$/);
  assert.deepEqual(parseDaemonArgs(['--tls=false'], files({})).config.tls.enabled, false);
  // dockerd: giving --tlsverify at all, even =false, turns TLS on.
  const noVerify = parseDaemonArgs(['--tlsverify=false'], files({})).config.tls;
  assert.deepEqual([noVerify.enabled, noVerify.verify], [true, false]);
  assert.deepEqual(parseDaemonArgs(['--tls'], files({})).config.tls.enabled, true);
  assert.throws(() => parseDaemonArgs(['--tls=maybe'], files({})), /invalid argument "maybe" for "--tls" flag/);
});

test('parseDaemonArgs reads the TLS keys and the group from daemon.json, and refuses them twice', () => {
  const f = files({ '/d.json': JSON.stringify({ tls: true, tlsverify: true, tlscacert: '/f/ca.pem', tlscert: '/f/cert.pem', tlskey: '/f/key.pem', group: '' }) });
  const { config } = parseDaemonArgs(['--config-file', '/d.json'], f);
  assert.deepEqual(config.tls, { enabled: true, verify: true, caCert: '/f/ca.pem', cert: '/f/cert.pem', key: '/f/key.pem' });
  assert.equal(config.group, '');
  assert.throws(() => parseDaemonArgs(['--config-file', '/d.json', '--tlsverify'], f), /specified both as a flag and in the configuration file: tlsverify/);
  assert.throws(() => parseDaemonArgs(['--config-file', '/d.json', '-G', 'x'], f), /specified both as a flag and in the configuration file: group/);
});

test('parseDaemonArgs takes the default log driver and options from daemon.json or --log-driver/--log-opt', () => {
  const f = files({ '/c.json': JSON.stringify({ 'log-driver': 'local', 'log-opts': { 'max-size': '5m' } }) });
  const fromFile = parseDaemonArgs(['--config-file', '/c.json'], f).config;
  assert.deepEqual([fromFile.logDriver, fromFile.logOpts], ['local', { 'max-size': '5m' }]);
  const fromFlags = parseDaemonArgs(['--log-opt', 'max-size=1m', '--log-opt', 'max-file=2'], files({})).config;
  assert.deepEqual([fromFlags.logDriver, fromFlags.logOpts], ['json-file', { 'max-size': '1m', 'max-file': '2' }]);
  assert.throws(() => parseDaemonArgs(['--config-file', '/c.json', '--log-opt', 'max-size=1m'], f), /specified both as a flag and in the configuration file: log-opts/);
});

test('parseDaemonArgs takes dockerd\'s -b/--bridge and --bip, from flags or daemon.json', () => {
  const d = parseDaemonArgs([], files({})).config;
  assert.equal(d.bridge, 'berth0');
  assert.equal(d.bip, '');
  const f = parseDaemonArgs(['-b', 'br7', '--bip', '10.200.9.1/24'], files({})).config;
  assert.equal(f.bridge, 'br7');
  assert.equal(f.bip, '10.200.9.1/24');
  const j = parseDaemonArgs(['--config-file', '/c.json'], files({ '/c.json': JSON.stringify({ bridge: 'brj', bip: '10.1.0.1/16' }) })).config;
  assert.deepEqual([j.bridge, j.bip], ['brj', '10.1.0.1/16']);
  assert.throws(() => parseDaemonArgs(['-b', 'a-name-far-too-long'], files({})), /invalid bridge name/);
  const p = parseDaemonArgs(['--default-address-pool', 'base=10.9.0.0/16,size=24'], files({})).config;
  assert.deepEqual(p.defaultAddressPools, [{ base: '10.9.0.0/16', size: 24 }]);
  assert.throws(() => parseDaemonArgs(['--default-address-pool', 'base=10.9.0.0/16,size=8'], files({})), /size 8 must be between 16 and 30/);
});
