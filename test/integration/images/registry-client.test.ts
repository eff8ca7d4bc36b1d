/**
 * The distribution client against Debian's docker-registry: monolithic and chunked uploads,
 * existence checks, cross-repository mounts, manifests by tag and digest, tag listing, basic
 * auth and the errors a registry answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sha256Digest } from '../../../src/common/digest.js';
import { Forbidden, NotFound, Unauthorized } from '../../../src/common/errors.js';
import { RegistryClient } from '../../../src/registry/registry-client.js';
import { RegistryHosts } from '../../../src/registry/registry-hosts.js';
import { RegistryServer } from '../../kit/registry-server.js';

const sha = (b: Buffer) => sha256Digest(b);
const source = (data: Buffer) => async () => async (start: number, end: number) => Readable.from([data.subarray(start, end)]);

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('RegistryClient against docker-registry', () => {
  let reg: RegistryServer;
  let client: RegistryClient;
  before(async () => {
    reg = await RegistryServer.start({ htpasswd: { bob: 'pw' } });
    client = new RegistryClient(await new RegistryHosts().endpoint(reg.host), { credentials: { username: 'bob', password: 'pw' } });
  });
  after(async () => {
    client?.close();
    await reg?.stop();
  });

  test('monolithic and chunked uploads store the same bytes; HEAD finds them', async () => {
    for (const chunkSize of [0, 100_000]) {
      const data = randomBytes(350_000);
      const desc = { digest: sha(data), size: data.length };
      assert.equal(await client.statBlob('up/load', desc.digest), undefined);
      let progress = 0;
      const r = await client.pushBlob('up/load', desc, source(data), { chunkSize, onProgress: (n) => (progress = n) });
      assert.deepEqual(r, {});
      assert.equal(progress, data.length);
      assert.equal(await client.statBlob('up/load', desc.digest), data.length);
      assert.deepEqual(await drain(client.openBlob('up/load', desc)), data);
    }
  });

  test('a blob of one repository is mounted into another without upload', async () => {
    const data = randomBytes(50_000);
    const desc = { digest: sha(data), size: data.length };
    await client.pushBlob('mount/from', desc, source(data));
    const r = await client.pushBlob('mount/to', desc, async () => assert.fail('the blob was uploaded, not mounted'), { mountFrom: ['mount/from'] });
    assert.deepEqual(r, { mountedFrom: 'mount/from' });
    assert.equal(await client.statBlob('mount/to', desc.digest), data.length);
  });

  test('manifests by tag and by digest; tags listed', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    await client.pushBlob('man/ifest', { digest: sha(config), size: config.length }, source(config));
    const mediaType = 'application/vnd.oci.image.manifest.v1+json';
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [] }));
    for (const tag of ['b', 'a', 'c']) assert.equal(await client.putManifest('man/ifest', tag, { mediaType, bytes }), sha(bytes));
    const byTag = await client.getManifest('man/ifest', 'a');
    assert.deepEqual(byTag, { digest: sha(bytes), mediaType, bytes });
    assert.deepEqual(await client.getManifest('man/ifest', sha(bytes)), byTag);
    assert.equal(await client.headManifest('man/ifest', 'b'), sha(bytes));
    assert.deepEqual((await client.listTags('man/ifest')).sort(), ['a', 'b', 'c']);
    await assert.rejects(client.getManifest('man/ifest', 'nope'), (err: Error) => err instanceof NotFound && /manifest unknown/.test(err.message));
  });

  test('wrong or missing credentials are Unauthorized', async () => {
    const ep = await new RegistryHosts().endpoint(reg.host);
    for (const credentials of [{ username: 'bob', password: 'wrong' }, undefined]) {
      const c = new RegistryClient(ep, credentials ? { credentials } : {});
      try {
        await assert.rejects(c.login(), (err: Error) => err instanceof Unauthorized || err instanceof Forbidden);
        await assert.rejects(c.listTags('man/ifest'), Unauthorized);
      } finally {
        c.close();
      }
    }
    assert.deepEqual(await client.login(), { identityToken: '' });
  });
});
