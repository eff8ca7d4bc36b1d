import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface LayoutImage {
  /** Uncompressed layer tars, bottom first. */
  layers: Buffer[];
  config?: Record<string, unknown>;
  /** `org.opencontainers.image.ref.name` in index.json. */
  tag: string;
  /** gzip (default) or uncompressed layers. */
  gzip?: boolean;
}

export interface WrittenLayout {
  manifestDigest: string;
  configDigest: string;
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/…) made from local tars, the
 * way an independent tool would: the source of images that skopeo copies into registries.
 */
export async function writeOciLayout(dir: string, images: LayoutImage[]): Promise<WrittenLayout[]> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer) => {
    const d = sha(b);
    await writeFile(join(blobs, d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const manifests: Record<string, unknown>[] = [];
  const out: WrittenLayout[] = [];
  for (const img of images) {
    const gz = img.gzip !== false;
    const layerDescs = [];
    for (const tar of img.layers) {
      const blob = gz ? gzipSync(tar) : tar;
      layerDescs.push({ mediaType: `application/vnd.oci.image.layer.v1.tar${gz ? '+gzip' : ''}`, ...(await put(blob)) });
    }
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
      config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: img.layers.map((l) => sha(l)) },
      history: img.layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test kit layer' })),
      ...img.config,
    }));
    const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', ...(await put(config)) };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: layerDescs }));
    const m = await put(manifest);
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': img.tag } });
    out.push({ manifestDigest: m.digest, configDigest: configDesc.digest });
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  return out;
}
