/**
 * Interoperability with an independent implementation (skopeo): what skopeo put in a registry
 * pulls with the same digests, what Berth pushed skopeo reads and copies, skopeo's docker-archive
 * tars and OCI layouts load, Berth's save output is read by skopeo, and a pulled image pushed
 * again keeps its manifest digest.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildTar } from '../../../src/image/build-tar.js';
import { baseImageTars } from '../../kit/base-images.js';
import { writeOciLayout } from '../../kit/oci-layout.js';
import { RegistryServer } from '../../kit/registry-server.js';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';

const skopeo = async (args: string[]) => {
  const r = await run('skopeo', args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

for (const client of ['docker', 'berth'] as const)
describe(`skopeo interop through ${client}`, () => {
  let d: TestDaemon;
  let reg: RegistryServer;
  let tmp: string;
  let layout: { manifestDigest: string; configDigest: string };
  before(async () => {
    reg = await RegistryServer.start();
    d = await TestDaemon.start();
    tmp = await mkdtemp(join(tmpdir(), 'berth-skopeo-'));
    const extra = await buildTar([{ name: 'data/', type: 'directory' }, { name: 'data/extra', content: randomBytes(100_000) }]);
    [layout] = await writeOciLayout(join(tmp, 'layout'), [{ layers: [await readFile((await baseImageTars()).busybox), extra], tag: 'v1' }]) as [typeof layout];
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${join(tmp, 'layout')}:v1`, `docker://${reg.host}/from-skopeo:v1`]);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const ok = async (args: string[]) => {
    const r = await d[client](args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('an image skopeo copied into the registry pulls with the same digests', async () => {
    const out = await ok(['pull', `${reg.host}/from-skopeo:v1`]);
    const skopeoDigest = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/from-skopeo:v1`])) as { Digest: string };
    assert.match(out, new RegExp(`Digest: ${skopeoDigest.Digest}`));
    const [img] = JSON.parse(await ok(['image', 'inspect', `${reg.host}/from-skopeo:v1`])) as [{ Id: string; RepoDigests: string[] }];
    assert.equal(img.Id, layout.configDigest);
    assert.deepEqual(img.RepoDigests, [`${reg.host}/from-skopeo@${skopeoDigest.Digest}`]);
    assert.equal(await ok(['run', '--rm', `${reg.host}/from-skopeo:v1`, 'sh', '-c', 'wc -c < /data/extra']), '100000\n');
  });

  test('a pulled image pushed again keeps its manifest digest', async () => {
    await ok(['tag', `${reg.host}/from-skopeo:v1`, `${reg.host}/again:v1`]);
    const out = await ok(['push', `${reg.host}/again:v1`]);
    assert.match(out, new RegExp(`v1: digest: ${layout.manifestDigest} `));
    assert.match(out, /Mounted from from-skopeo|Layer already exists/);
  });

  test('what Berth pushed skopeo inspects and copies', async () => {
    await ok(['tag', 'busybox', `${reg.host}/made-here:v2`]);
    const out = await ok(['push', `${reg.host}/made-here:v2`]);
    const digest = /v2: digest: (sha256:[0-9a-f]{64})/.exec(out)![1];
    const info = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/made-here:v2`])) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, digest);
    assert.equal(info.Layers.length, 1);
    await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/made-here:v2`, `oci:${join(tmp, 'copied')}:v2`]);
    const config = JSON.parse(await skopeo(['inspect', '--config', `oci:${join(tmp, 'copied')}:v2`])) as { rootfs: { diff_ids: string[] } };
    const [img] = JSON.parse(await ok(['image', 'inspect', 'busybox'])) as [{ RootFS: { Layers: string[] } }];
    assert.deepEqual(config.rootfs.diff_ids, img.RootFS.Layers);
  });

  test('a skopeo docker-archive tar loads; history lists its layers', async () => {
    const archive = join(tmp, `skopeo-${client}.tar`);
    await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/from-skopeo:v1`, `docker-archive:${archive}:loaded/by-skopeo:v1`]);
    await ok(['rmi', `${reg.host}/from-skopeo:v1`, `${reg.host}/again:v1`]);
    const r = await d[client](['load', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Loaded image: loaded\/by-skopeo:v1/);
    const [img] = JSON.parse(await ok(['image', 'inspect', 'loaded/by-skopeo:v1'])) as [{ Id: string }];
    assert.equal(img.Id, layout.configDigest);
    assert.equal(await ok(['run', '--rm', 'loaded/by-skopeo:v1', 'sh', '-c', 'wc -c < /data/extra']), '100000\n');
    const history = await ok(['history', 'loaded/by-skopeo:v1']);
    assert.match(history, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n/);
    assert.equal(history.trim().split('\n').length, 3, history);
    assert.match(history, /test kit layer/);
  });

  test('save output is read by skopeo, and loads back', async () => {
    const archive = join(tmp, `saved-${client}.tar`);
    await ok(['save', '-o', archive, 'loaded/by-skopeo:v1', 'busybox']);
    const info = JSON.parse(await skopeo(['inspect', `docker-archive:${archive}:loaded/by-skopeo:v1`])) as { Layers: string[] };
    assert.equal(info.Layers.length, 2);
    await skopeo(['copy', `docker-archive:${archive}:busybox:latest`, `oci:${join(tmp, `from-save-${client}`)}:bb`]);
    await ok(['rmi', 'loaded/by-skopeo:v1']);
    const r = await d[client](['load', '-i', archive]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Loaded image: loaded\/by-skopeo:v1\n/);
    assert.match(r.stdout, /Loaded image: busybox:latest\n/);
  });

  test('an OCI image layout tar loads', async () => {
    const tarFile = join(tmp, `layout-${client}.tar`);
    const t = await run('tar', ['-cf', tarFile, '-C', join(tmp, 'layout'), '.']);
    assert.equal(t.code, 0, t.stderr);
    const r = await d[client](['load', '-i', tarFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Loaded image ID: ${layout.configDigest}`));
  });
});
