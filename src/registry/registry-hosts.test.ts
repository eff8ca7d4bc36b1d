import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistryHosts } from './registry-hosts.js';

describe('RegistryHosts', () => {
  it('speaks plain HTTP to loopback registries and configured insecure ones only', () => {
    const hosts = new RegistryHosts({ insecure: ['reg.internal:5000', '10.1.0.0/16'] });
    for (const d of ['localhost:5000', '127.0.0.1:5000', '127.3.4.5', '[::1]:5000', 'reg.internal:5000', '10.1.2.3:443']) assert.equal(hosts.isInsecure(d), true, d);
    for (const d of ['docker.io', 'reg.internal:5001', '10.2.0.1:5000', 'quay.io']) assert.equal(hosts.isInsecure(d), false, d);
  });

  it('maps docker.io to its API host over HTTPS, loopback to http', async () => {
    const hosts = new RegistryHosts();
    assert.deepEqual(await hosts.endpoint('docker.io'), { domain: 'docker.io', url: 'https://registry-1.docker.io', secure: true });
    assert.deepEqual(await hosts.endpoint('127.0.0.1:5000'), { domain: '127.0.0.1:5000', url: 'http://127.0.0.1:5000', secure: false });
  });

  it('with --allow-registry, refuses every other registry before resolving it', async () => {
    const hosts = new RegistryHosts({ allowed: ['127.0.0.0/8', 'localhost', 'reg.internal:5000'] });
    for (const d of ['127.0.0.1:5000', 'localhost:41000', 'reg.internal:5000']) assert.equal(hosts.isAllowed(d), true, d);
    for (const d of ['docker.io', 'index.docker.io', 'reg.internal:5001', '10.0.0.1']) assert.equal(hosts.isAllowed(d), false, d);
    await assert.rejects(hosts.endpoint('docker.io'), { name: 'Forbidden', message: /registry docker.io is not among berthd's allowed registries/ });
    assert.equal(new RegistryHosts().isAllowed('docker.io'), true);
  });

  it('loads CAs and a client certificate from <certsDir>/<host>', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-certs-'));
    try {
      await mkdir(join(dir, 'reg.example:443'));
      await writeFile(join(dir, 'reg.example:443', 'ca.crt'), 'CA PEM');
      await writeFile(join(dir, 'reg.example:443', 'client.cert'), 'CERT PEM');
      await writeFile(join(dir, 'reg.example:443', 'client.key'), 'KEY PEM');
      const ep = await new RegistryHosts({ certsDir: dir }).endpoint('reg.example:443');
      assert.deepEqual(ep, { domain: 'reg.example:443', url: 'https://reg.example:443', secure: true, ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' });
      assert.equal((await new RegistryHosts({ certsDir: dir }).endpoint('other.example')).ca, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
