import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgument, NotFound } from '../common/errors.js';
import type { ImageIndex } from '../oci/image.js';
import { parseManifest, parsePlatform, selectPlatform } from './manifest-document.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const manifestType = 'application/vnd.oci.image.manifest.v1+json';

describe('manifest documents', () => {
  it('selectPlatform picks os/arch, taking arm64 without a variant as v8', () => {
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: manifestType, digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: manifestType, digest: d('b'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: manifestType, digest: d('c'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      ],
    } as ImageIndex;
    assert.equal(selectPlatform(index, parsePlatform('linux/amd64'), 'x').digest, d('a'));
    assert.equal(selectPlatform(index, parsePlatform('linux/arm64'), 'x').digest, d('b'));
    assert.equal(selectPlatform(index, parsePlatform('linux/arm/v7'), 'x').digest, d('c'));
    assert.throws(() => selectPlatform(index, parsePlatform('linux/s390x'), 'x'), NotFound);
  });

  it('parseManifest refuses bad digests, sizes and layer types', () => {
    const ok = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 2 }, layers: [] };
    assert.deepEqual(parseManifest(Buffer.from(JSON.stringify(ok))), ok);
    const bad = [
      '{',
      JSON.stringify({ ...ok, schemaVersion: 1 }),
      JSON.stringify({ ...ok, config: { ...ok.config, digest: 'sha256:../../x' } }),
      JSON.stringify({ ...ok, config: { ...ok.config, size: -1 } }),
      JSON.stringify({ ...ok, layers: [{ mediaType: 'text/html', digest: d('e'), size: 1 }] }),
    ];
    for (const b of bad) assert.throws(() => parseManifest(Buffer.from(b)), InvalidArgument, b);
  });
});
