import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type Logger } from '../common/log.js';
import { DEFAULTS, type DaemonConfig, type TlsConfig } from './config.js';
import { isLoopback, listenOptions, lookupGid } from './listen-options.js';

const GROUPS = 'root:x:0:\ndocker:x:106:alice\nberth:x:990:\n';

function config(hosts: string[], tls: Partial<TlsConfig> = {}, group = 'docker'): DaemonConfig {
  return { ...DEFAULTS, hosts, group, tls: { ...DEFAULTS.tls, caCert: '/ca', cert: '/cert', key: '/key', ...tls } };
}

function recorder(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { log: { ...silentLogger, warn: (m) => warnings.push(m) }, warnings };
}

const files = (m: Record<string, string>) => async (p: string) => {
  if (m[p] === undefined) throw new Error(`open ${p}: no such file or directory`);
  return m[p]!;
};
const PEMS = { '/ca': 'CA', '/cert': 'CERT', '/key': 'KEY', '/etc/group': GROUPS };

test('lookupGid finds a group by name or number, and takes an unknown number as it is', () => {
  assert.deepEqual(lookupGid('docker', GROUPS), { gid: 106, known: true });
  assert.deepEqual(lookupGid('990', GROUPS), { gid: 990, known: true });
  assert.deepEqual(lookupGid('4242', GROUPS), { gid: 4242, known: false });
  assert.equal(lookupGid('nope', GROUPS), undefined);
});

test('isLoopback knows loopback addresses and nothing else', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1', '']) assert.ok(!isLoopback(h), h);
});

test('listenOptions refuses plain TCP beyond loopback unless --tls=false or --tlsverify=false says so', async () => {
  const read = files(PEMS);
  await assert.rejects(listenOptions(config(['tcp://0.0.0.0:2375']), { log: silentLogger, readText: read }), /refusing to listen on tcp:\/\/0\.0\.0\.0:2375 without --tlsverify/);
  await assert.rejects(listenOptions(config(['tcp://10.1.2.3:2376'], { enabled: true }), { log: silentLogger, readText: read }), /refusing/);
  const r = recorder();
  await listenOptions(config(['tcp://0.0.0.0:2375'], { enabled: false }), { log: r.log, readText: read });
  assert.ok(r.warnings.some((w) => w.startsWith('Binding to IP address without --tlsverify is insecure')));
  const tlsOnly = await listenOptions(config(['tcp://0.0.0.0:2376'], { enabled: true, verify: false }), { log: silentLogger, readText: read });
  assert.equal(tlsOnly.tls?.verifyClients, false);
  assert.equal(tlsOnly.tls?.ca, undefined);
  const loop = recorder();
  await listenOptions(config(['tcp://127.0.0.1:2375']), { log: loop.log, readText: read });
  assert.equal(loop.warnings.length, 2);
});

test('listenOptions loads the TLS files for --tlsverify and names the one it cannot read', async () => {
  const o = await listenOptions(config(['tcp://0.0.0.0:2376'], { enabled: true, verify: true }), { log: silentLogger, readText: files(PEMS) });
  assert.deepEqual([o.tls?.ca?.toString(), o.tls?.cert.toString(), o.tls?.key.toString(), o.tls?.verifyClients], ['CA', 'CERT', 'KEY', true]);
  await assert.rejects(
    listenOptions(config(['tcp://0.0.0.0:2376'], { enabled: true, verify: true }), { log: silentLogger, readText: files({ '/key': 'K', '/cert': 'C' }) }),
    /could not load the TLS CA certificate \(--tlscacert\) "\/ca"/,
  );
});

test('listenOptions gives the socket group, warns for a missing docker group and fails for another missing group', async () => {
  const unix = ['unix:///run/x.sock'];
  assert.equal((await listenOptions(config(unix), { log: silentLogger, readText: files(PEMS) })).socketGid, 106);
  assert.equal((await listenOptions(config(unix, {}, ''), { log: silentLogger, readText: files(PEMS) })).socketGid, undefined);
  const r = recorder();
  const none = await listenOptions(config(unix), { log: r.log, readText: files({ '/etc/group': 'root:x:0:\n' }) });
  assert.equal(none.socketGid, undefined);
  assert.match(r.warnings[0] ?? '', /group docker not found; only root can use it/);
  await assert.rejects(listenOptions(config(unix, {}, 'berth2'), { log: silentLogger, readText: files(PEMS) }), /group berth2 not found/);
});
