/**
 * Manifests and indexes as registries and archives hold them (Docker v2 schema 2, manifest list,
 * OCI image manifest and index): checked before anything is fetched on their word.
 */
import { isDigest } from '../common/digest.js';
import { InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import { hostArchitecture, mediaTypes, type Descriptor, type ImageIndex, type Manifest, type Platform } from '../oci/image.js';

const indexTypes = new Set<string>([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const manifestTypes = new Set<string>([mediaTypes.ociManifest, mediaTypes.dockerManifest]);
const layerTypes = new Set<string>([
  mediaTypes.ociLayer, mediaTypes.ociLayerGzip, mediaTypes.ociLayerZstd, mediaTypes.dockerLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', mediaTypes.dockerForeignLayerGzip,
]);

export function isIndexType(mediaType: string): boolean {
  return indexTypes.has(mediaType);
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (typeof x !== 'object' || x === null) throw new InvalidArgument(`malformed manifest: ${what} is not an object`);
  if (typeof x.digest !== 'string' || !isDigest(x.digest)) throw new InvalidArgument(`malformed manifest: ${what} has an invalid digest "${String(x.digest)}"`);
  if (typeof x.size !== 'number' || !Number.isSafeInteger(x.size) || x.size < 0) throw new InvalidArgument(`malformed manifest: ${what} has an invalid size`);
  if (typeof x.mediaType !== 'string') throw new InvalidArgument(`malformed manifest: ${what} has no media type`);
  return x as Descriptor;
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InvalidArgument(`malformed manifest: ${messageOf(err)}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidArgument('malformed manifest: not a JSON object');
  return doc as Record<string, unknown>;
}

export function parseIndex(bytes: Buffer): ImageIndex {
  const doc = parseJson(bytes);
  if (!Array.isArray(doc.manifests)) throw new InvalidArgument('malformed manifest: an index without "manifests"');
  doc.manifests.forEach((m, i) => checkDescriptor(m, `manifests[${i}]`));
  return doc as unknown as ImageIndex;
}

/** An image manifest with a config and layers of known types. */
export function parseManifest(bytes: Buffer): Manifest {
  const doc = parseJson(bytes);
  if (doc.schemaVersion !== 2) throw new InvalidArgument(`malformed manifest: schemaVersion ${JSON.stringify(doc.schemaVersion)}, expected 2`);
  if (typeof doc.mediaType === 'string' && !manifestTypes.has(doc.mediaType)) {
    throw new InvalidArgument(`unsupported manifest media type "${doc.mediaType}"`);
  }
  checkDescriptor(doc.config, 'config');
  if (!Array.isArray(doc.layers)) throw new InvalidArgument('malformed manifest: "layers" is not an array');
  doc.layers.forEach((l, i) => {
    const d = checkDescriptor(l, `layers[${i}]`);
    if (!layerTypes.has(d.mediaType)) throw new InvalidArgument(`unsupported layer media type "${d.mediaType}"`);
  });
  return doc as unknown as Manifest;
}

/** `linux/amd64`, `linux/arm64/v8`; the host's architecture when empty. */
export function parsePlatform(s: string | undefined): Platform {
  if (!s) return { os: 'linux', architecture: hostArchitecture() };
  const [os = '', architecture = '', variant] = s.toLowerCase().split('/');
  if (!os || (!architecture && os !== 'linux')) throw new InvalidArgument(`invalid platform "${s}": expected os/arch[/variant]`);
  return { os, architecture: architecture || hostArchitecture(), ...(variant ? { variant } : {}) };
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** The index entry for `want` (containerd's matcher: arm64 without variant is v8). */
export function selectPlatform(index: ImageIndex, want: Platform, what: string): Descriptor {
  const norm = (p: Platform) => ({ ...p, variant: p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined) });
  const w = norm(want);
  const candidates = index.manifests.filter((m) => m.platform && manifestTypes.has(m.mediaType));
  const exact = candidates.find((m) => {
    const p = norm(m.platform!);
    return p.os === w.os && p.architecture === w.architecture && (w.variant === undefined || p.variant === w.variant);
  });
  if (exact) return exact;
  const noPlatform = index.manifests.find((m) => !m.platform && manifestTypes.has(m.mediaType));
  if (noPlatform && index.manifests.length === 1) return noPlatform;
  throw new NotFound(`no matching manifest for ${platformString(want)} in the manifest list entries of ${what}`);
}
