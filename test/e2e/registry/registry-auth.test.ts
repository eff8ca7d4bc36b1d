/**
 * Push, pull, login, logout, pull -a and pull by digest against Debian's docker-registry, with
 * htpasswd (basic) auth and with token auth from the test kit's token server, through the real
 * docker CLI and berth alike.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryServer } from '../../kit/registry-server.js';
import { TestDaemon } from '../../kit/test-daemon.js';
import { TokenServer } from '../../kit/token-server.js';

const USER = 'alice';
const PASSWORD = 's3cret-pw';

for (const auth of ['htpasswd', 'token'] as const)
for (const client of ['docker', 'berth'] as const)
describe(`registry with ${auth} auth through ${client}`, () => {
  let d: TestDaemon;
  let reg: RegistryServer;
  let tokens: TokenServer | undefined;
  let configDir: string;
  before(async () => {
    if (auth === 'token') {
      tokens = await TokenServer.start(USER, PASSWORD);
      reg = await RegistryServer.start({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certPem: tokens.certPem } });
    } else {
      reg = await RegistryServer.start({ htpasswd: { [USER]: PASSWORD } });
    }
    d = await TestDaemon.start();
    configDir = join(d.dir, 'docker-config');
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
    await tokens?.stop();
  });

  const cli = (args: string[], input?: string) => d[client](args, { env: { DOCKER_CONFIG: configDir }, ...(input !== undefined ? { input } : {}), timeoutMs: 60_000 });
  const ok = async (args: string[], input?: string) => {
    const r = await cli(args, input);
    assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const repo = () => `${reg.host}/team/bb`;

  test('login with a wrong password fails and stores nothing', async () => {
    const r = await cli(['login', '-u', USER, '--password-stdin', reg.host], 'wrong\n');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unauthorized|401|incorrect/i);
    let stored: unknown = {};
    try {
      stored = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'));
    } catch {
      // no file at all is fine
    }
    assert.equal((stored as { auths?: Record<string, unknown> }).auths?.[reg.host], undefined);
  });

  test('push without credentials is refused', async () => {
    await ok(['tag', 'busybox', `${repo()}:anon`]);
    const r = await cli(['push', `${repo()}:anon`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /unauthorized|authentication required|denied/i);
  });

  test('login stores base64 credentials; push, remove, pull and run', async () => {
    assert.match(await ok(['login', '-u', USER, '--password-stdin', reg.host], `${PASSWORD}\n`), /Login Succeeded/);
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(config.auths[reg.host]?.auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

    await ok(['tag', 'busybox', `${repo()}:v1`]);
    await ok(['tag', 'busybox', `${repo()}:v2`]);
    const pushed = await ok(['push', `${repo()}:v1`]);
    assert.match(pushed, new RegExp(`The push refers to repository \\[${reg.host}/team/bb\\]`));
    const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(pushed)?.[1];
    assert.ok(digest, pushed);
    assert.match(await ok(['push', `${repo()}:v2`]), /Layer already exists/);

    // Remove every image with that layer, so that the pull downloads it.
    const id = (await ok(['images', '-q', '--no-trunc', 'busybox'])).trim().split('\n')[0]!;
    await ok(['rmi', '-f', id]);
    const pulled = await ok(['pull', `${repo()}:v1`]);
    assert.match(pulled, /Pull complete/);
    assert.match(pulled, new RegExp(`Digest: ${digest}`));
    assert.match(pulled, new RegExp(`Status: Downloaded newer image for ${reg.host}/team/bb:v1`));
    assert.equal((await ok(['images', '-q', '--no-trunc', `${repo()}:v1`])).trim().split('\n')[0], id);
    assert.equal(await ok(['run', '--rm', `${repo()}:v1`, 'echo', 'pulled']), 'pulled\n');
    const [img] = JSON.parse(await ok(['image', 'inspect', `${repo()}:v1`])) as [{ RepoDigests: string[] }];
    assert.ok(img.RepoDigests.includes(`${repo()}@${digest}`), JSON.stringify(img.RepoDigests));
    await ok(['tag', `${repo()}:v1`, 'busybox']);
  });

  test('pull -a fetches every tag, pull by digest records the digest', async () => {
    await ok(['rmi', `${repo()}:v1`]);
    const all = await ok(['pull', '-a', repo()]);
    assert.match(all, /Status: (Downloaded newer image|Image is up to date) for /);
    const tags = (await ok(['images', '--format', '{{.Tag}}', repo()])).trim().split('\n').sort();
    assert.deepEqual(tags, ['v1', 'v2'], `${all}\n${await ok(['images', '-a', '--digests'])}`);

    const pushed = await ok(['push', `${repo()}:v1`]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)![1]!;
    await ok(['rmi', `${repo()}:v1`, `${repo()}:v2`]);
    const byDigest = await ok(['pull', `${repo()}@${digest}`]);
    assert.match(byDigest, new RegExp(`Digest: ${digest}`));
    assert.match(await ok(['images', '--digests', '--format', '{{.Repository}} {{.Digest}}']), new RegExp(`${reg.host}/team/bb ${digest}`));
  });

  test('logout removes the credentials and a push is refused again', async () => {
    assert.match(await ok(['logout', reg.host]), new RegExp(`Removing login credentials for ${reg.host}`));
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { auths?: Record<string, unknown> };
    assert.equal(config.auths?.[reg.host], undefined);
    await ok(['tag', 'busybox', `${repo()}:after-logout`]);
    const r = await cli(['push', `${repo()}:after-logout`]);
    assert.notEqual(r.code, 0);
  });
});
