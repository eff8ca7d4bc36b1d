import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';
import { makeTestPki, type CertFiles, type TestPki } from './tls-certs.js';
import { freePort } from '../../kit/free-port.js';

/** The gid of a group in /etc/group, or undefined. */
function gidOf(name: string): number | undefined {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[0] === name);
  return line ? Number(line.split(':')[2]) : undefined;
}

/** A TLS handshake with berthd presenting `client` (Node sends it whatever CAs the server names). */
function handshake(port: number, pki: TestPki, client?: CertFiles): Promise<'ok' | string> {
  return new Promise((resolve) => {
    const s = tlsConnect({
      host: '127.0.0.1', port, ca: readFileSync(pki.ca),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    });
    s.on('secureConnect', () => {
      // TLS 1.3: a refused client certificate is reported after the handshake, on the first read.
      s.write('GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => resolve(text.startsWith('HTTP/1.1 200') ? 'ok' : `no answer: ${text.slice(0, 40)}`));
    s.on('error', (err) => resolve(err.message));
  });
}

describe('who may talk to berthd: TCP with --tlsverify', () => {
  let d: TestDaemon;
  let pki: TestPki;
  let certDir: string;
  let port: number;
  const docker = (who: CertFiles | undefined, args: string[], input?: string) => d.docker([
    '--tlsverify', '--tlscacert', pki.ca, ...(who ? ['--tlscert', who.cert, '--tlskey', who.key] : []), '-H', `tcp://127.0.0.1:${port}`, ...args,
  ], { ...(input !== undefined ? { input } : {}), timeoutMs: 30_000 });

  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'berth-tls-'));
    pki = await makeTestPki(certDir);
    port = await freePort();
    d = await TestDaemon.start({
      extraArgs: ['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', pki.ca, '--tlscert', pki.server.cert, '--tlskey', pki.server.key],
    });
  });
  after(async () => {
    await d?.cleanup();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('the docker CLI with a certificate signed by the CA gets in', async () => {
    const r = await docker(pki.client, ['version', '--format', '{{.Server.APIVersion}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1.45\n');
  });

  test('docker run --rm and exec work over TLS, hijacked streams and stdin included', async () => {
    const run1 = await docker(pki.client, ['run', '--rm', 'busybox', 'echo', 'hello over tls']);
    assert.equal(run1.code, 0, run1.stderr);
    assert.equal(run1.stdout, 'hello over tls\n');
    const started = await docker(pki.client, ['run', '-d', '--name', 'tls-svc', 'busybox', 'sleep', '300']);
    assert.equal(started.code, 0, started.stderr);
    const exec = await docker(pki.client, ['exec', 'tls-svc', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(exec.code, 3);
    assert.equal(exec.stdout, 'out\n');
    assert.equal(exec.stderr, 'err\n');
    // stdin ends (the CLI's CloseWrite sends a TLS close_notify) and the output still comes back.
    const cat = await docker(pki.client, ['exec', '-i', 'tls-svc', 'sh', '-c', 'cat; echo done'], 'through the bridge\n');
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'through the bridge\ndone\n');
    const attached = await docker(pki.client, ['run', '-i', '--rm', 'busybox', 'wc', '-c'], 'x'.repeat(100_000));
    assert.equal(attached.stdout.trim(), '100000');
    assert.equal((await docker(pki.client, ['rm', '-f', 'tls-svc'])).code, 0);
  });

  test('a certificate from another CA, or none, is refused', async () => {
    for (const who of [pki.stranger, undefined]) {
      const r = await docker(who, ['version', '--format', '{{.Server.APIVersion}}']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /tls|certificate/i);
      assert.doesNotMatch(r.stdout, /1\.45/);
    }
    // Node presents a certificate even when the server names other CAs: it is checked and refused.
    assert.notEqual(await handshake(port, pki, pki.stranger), 'ok');
    assert.notEqual(await handshake(port, pki), 'ok');
    assert.equal(await handshake(port, pki, pki.client), 'ok');
  });

  test('plain HTTP on the TLS port gets no answer from the API', async () => {
    const text = await new Promise<string>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (b: Buffer) => (got += b.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      s.setTimeout(5000, () => s.destroy());
    });
    assert.doesNotMatch(text, /OK|Api-Version/);
  });

  test('HTTPS with a good certificate answers plain requests', async () => {
    const agentOpts = { ca: readFileSync(pki.ca), cert: readFileSync(pki.client.cert), key: readFileSync(pki.client.key) };
    for (const path of ['/_ping', '/v1.45/containers/json']) {
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, ...agentOpts }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject).end();
      });
      assert.equal(status, 200, path);
    }
  });

  test('the UNIX socket is mode 0660, owned by root and the docker group', () => {
    const st = statSync(d.socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.uid, 0);
    const docker = gidOf('docker');
    assert.equal(st.gid, docker ?? 0);
  });

  test('a member of the socket group may use it, anyone else may not', { skip: gidOf('docker') === undefined ? 'no docker group on this machine' : false }, async () => {
    const nobody = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))?.split(':')[2] ?? 65534);
    const probe = `require('http').get({socketPath: ${JSON.stringify(d.socket)}, path: '/_ping'}, (r) => { console.log(r.statusCode); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const as = async (gid: number) => {
      const r = await run('setpriv', [`--reuid=${nobody}`, `--regid=${gid}`, '--clear-groups', process.execPath, '-e', probe]);
      return r.stdout.trim() || r.stderr.trim();
    };
    assert.equal(await as(gidOf('docker')!), '200');
    assert.equal(await as(nobody), 'EACCES');
  });
});

describe('who may talk to berthd: the listen rules', () => {
  test('plain TCP beyond loopback is refused unless asked for explicitly', async () => {
    await assert.rejects(TestDaemon.start({ baseImages: false, extraArgs: ['-H', 'tcp://0.0.0.0:2375'] }), /refusing to listen on tcp:\/\/0\.0\.0\.0:2375 without --tlsverify/);
  });

  test('plain TCP on loopback is allowed, with dockerd\'s warning', async () => {
    const port = await freePort();
    const d = await TestDaemon.start({ baseImages: false, extraArgs: ['-H', `tcp://127.0.0.1:${port}`] });
    try {
      assert.match(d.log, /level=warn msg="Binding to IP address without --tlsverify is insecure/);
      const r = await d.docker(['-H', `tcp://127.0.0.1:${port}`, 'version', '--format', '{{.Server.APIVersion}}']);
      assert.equal(r.stdout, '1.45\n');
    } finally {
      await d.cleanup();
    }
  });

  test('--tlsverify without readable certificates stops the start with the reason', async () => {
    await assert.rejects(
      TestDaemon.start({ baseImages: false, extraArgs: ['-H', 'tcp://127.0.0.1:0', '--tlsverify', '--tlscacert', '/nonexistent/ca.pem', '--tlscert', '/nonexistent/c.pem', '--tlskey', '/nonexistent/k.pem'] }),
      /could not load the TLS key \(--tlskey\) "\/nonexistent\/k.pem"/,
    );
  });

  test('-G names the socket group: unknown names fail, numbers are taken as they are, "" is root only', async () => {
    await assert.rejects(TestDaemon.start({ baseImages: false, extraArgs: ['-G', 'no-such-group-here'] }), /group no-such-group-here not found/);
    for (const [group, gid] of [['4242', 4242], ['', 0]] as const) {
      const d = await TestDaemon.start({ baseImages: false, extraArgs: ['-G', group] });
      try {
        const st = statSync(d.socket);
        assert.equal(st.gid, gid);
        assert.equal(st.mode & 0o777, 0o660);
        if (group === '4242') assert.match(d.log, /Could not find GID 4242/);
      } finally {
        await d.cleanup();
      }
    }
  });
});
