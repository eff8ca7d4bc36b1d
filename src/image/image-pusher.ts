/**
 * `docker push`: sends the compressed layer blobs the content store keeps (a pulled image's own
 * blobs, so that its manifest and digest stay the same; an imported, loaded or committed image's
 * layers are compressed once and kept), skipping blobs the repository has and mounting those
 * another repository of the registry has, then the config and the manifest.
 */
import { createReadStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import type { Digest } from '../common/digest.js';
import { InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import { mediaTypes, type Descriptor, type Manifest } from '../oci/image.js';
import type { BlobSource, RegistryClient, RegistryCredentials } from '../registry/registry-client.js';
import type { Image } from './image.js';
import type { LayerBlob } from './image-index.js';
import type { ImageService } from './image-service.js';
import { parseManifest } from './manifest-document.js';
import { shortLayerId, throttled, type ProgressSink } from './progress.js';
import { familiarName, parseReference, referenceString, repositoryName, type Reference } from './reference.js';
import { Semaphore } from './semaphore.js';

export interface PushOptions {
  credentials?: RegistryCredentials;
  progress: ProgressSink;
  signal?: AbortSignal;
  /** Upload blobs in PATCH requests of this many bytes (0: one PUT per blob). */
  chunkSize?: number;
}

export interface PushedTag {
  tag: string;
  digest: Digest;
  size: number;
}

export interface PushResult {
  pushed: PushedTag[];
}

/** Docker's max-concurrent-uploads. */
const maxUploads = 5;

interface PushManifest {
  mediaType: string;
  bytes: Buffer;
  config: Descriptor;
  layers: { desc: Descriptor; diffId: Digest; sources: string[] }[];
  /** Stored already (it came from a pull or an earlier push). */
  stored: boolean;
}

export class ImagePusher {
  private readonly uploads = new Semaphore(maxUploads);

  constructor(private readonly svc: ImageService) {}

  /** Pushes `name:tag`, or every local tag of the repository when `refText` has no tag. */
  async push(refText: string, options: PushOptions): Promise<PushResult> {
    const ref = parseReference(refText);
    if (ref.digest !== undefined) throw new InvalidArgument('cannot push a digest reference');
    const repoName = repositoryName(ref);
    const targets: { ref: Reference; image: Image }[] = [];
    if (ref.tag !== undefined) {
      let image: Image;
      try {
        image = this.svc.resolve(referenceString(ref));
      } catch (err) {
        if (err instanceof NotFound) throw new NotFound(`An image does not exist locally with the tag: ${familiarName(ref)}`, { cause: err });
        throw err;
      }
      targets.push({ ref, image });
    } else {
      for (const image of this.svc.list()) {
        for (const t of image.repoTags) {
          const r = parseReference(t);
          if (repositoryName(r) === repoName && r.tag !== undefined) targets.push({ ref: r, image });
        }
      }
      if (targets.length === 0) throw new NotFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
      targets.sort((a, b) => (a.ref.tag! < b.ref.tag! ? -1 : 1));
    }
    options.progress({ status: `The push refers to repository [${repoName}]` });
    const client = await this.svc.registryClient(ref.domain, options.credentials);
    try {
      const pushed: PushedTag[] = [];
      for (const t of targets) pushed.push(await this.pushOne(client, t.ref, t.image, options));
      return { pushed };
    } finally {
      client.close();
    }
  }

  private async pushOne(client: RegistryClient, ref: Reference, image: Image, options: PushOptions): Promise<PushedTag> {
    const { progress, signal } = options;
    const repo = ref.path;
    const manifest = await this.manifestFor(image, ref.domain, signal);
    for (const l of manifest.layers) progress({ id: shortLayerId(l.diffId), status: 'Preparing' });
    const results = await Promise.allSettled(manifest.layers.map(async (l) => {
      const id = shortLayerId(l.diffId);
      if (!this.uploads.tryAcquire()) {
        progress({ id, status: 'Waiting' });
        await this.uploads.acquire(signal);
      }
      try {
        if ((await client.statBlob(repo, l.desc.digest, 'pull,push', signal)) !== undefined) {
          progress({ id, status: 'Layer already exists' });
        } else {
          const mountFrom = l.sources.map((s) => parseReference(s)).filter((r) => r.domain === ref.domain && r.path !== repo).map((r) => r.path);
          const report = throttled(progress);
          if (!(await this.svc.content.has(l.desc.digest)) && mountFrom.length === 0) {
            throw new NotFound(`blob "${l.desc.digest}" is neither here nor in another repository of ${ref.domain}`);
          }
          const r = await client.pushBlob(repo, l.desc, () => this.blobSource(l.desc.digest), {
            mountFrom, ...(signal ? { signal } : {}), ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
            onProgress: (current) => report({ id, status: 'Pushing', current, total: l.desc.size }),
          });
          progress({ id, status: r.mountedFrom !== undefined ? `Mounted from ${r.mountedFrom}` : 'Pushed' });
        }
        this.svc.recordLayerBlob(l.diffId, { digest: l.desc.digest, mediaType: l.desc.mediaType, size: l.desc.size }, repositoryName(ref));
      } finally {
        this.uploads.release();
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if ((await client.statBlob(repo, manifest.config.digest, 'pull,push', signal)) === undefined) {
      await client.pushBlob(repo, manifest.config, () => this.blobSource(manifest.config.digest), signal ? { signal } : {});
    }
    const digest = await client.putManifest(repo, ref.tag!, manifest, signal);
    if (!manifest.stored) await this.svc.content.put(manifest.bytes, { expected: { digest } });
    await this.svc.addReferences(image.id, { repoDigests: [`${repositoryName(ref)}@${digest}`], manifest: digest });
    progress({ status: `${ref.tag}: digest: ${digest} size: ${manifest.bytes.length}` });
    progress({ status: '', aux: { Tag: ref.tag, Digest: digest, Size: manifest.bytes.length } });
    return { tag: ref.tag!, digest, size: manifest.bytes.length };
  }

  /** Opens a byte range of a local blob; NotFound when it is not here (only a mount could help). */
  private async blobSource(digest: Digest): Promise<BlobSource> {
    const path = await this.svc.content.path(digest);
    return async (start, end) => createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 });
  }

  /** A manifest recorded for the image whose blobs are all here, else a new one. */
  private async manifestFor(image: Image, domain: string, signal?: AbortSignal): Promise<PushManifest> {
    const diffIds = image.config.rootfs.diff_ids;
    for (const m of this.svc.manifestsOf(image.id)) {
      let manifest: Manifest;
      let bytes: Buffer;
      try {
        bytes = await this.svc.content.read(m);
        manifest = parseManifest(bytes);
      } catch (err) {
        this.svc.log.debug('recorded manifest unusable', { digest: m, error: messageOf(err) });
        continue;
      }
      if (manifest.config.digest !== image.id || manifest.layers.length !== diffIds.length) continue;
      const usable = await Promise.all(manifest.layers.map(async (l, i) =>
        (await this.svc.content.has(l.digest)) || this.sourcesOf(diffIds[i]!, l.digest).some((s) => parseReference(s).domain === domain)));
      if (!usable.every(Boolean)) continue;
      return {
        mediaType: manifest.mediaType ?? mediaTypes.ociManifest,
        bytes,
        config: manifest.config,
        layers: manifest.layers.map((desc, i) => ({ desc, diffId: diffIds[i]!, sources: this.sourcesOf(diffIds[i]!, desc.digest) })),
        stored: true,
      };
    }
    const layers: PushManifest['layers'] = [];
    for (const diffId of diffIds) {
      let blob = await this.presentBlob(diffId);
      blob ??= await this.compress(diffId, signal);
      layers.push({ desc: { mediaType: blob.mediaType, digest: blob.digest as Digest, size: blob.size }, diffId, sources: blob.sources });
    }
    const docker = layers.every((l) => l.desc.mediaType === mediaTypes.dockerLayerGzip || l.desc.mediaType === mediaTypes.ociLayerGzip);
    const config = await this.svc.content.info(image.id);
    const doc: Manifest = {
      schemaVersion: 2,
      mediaType: docker ? mediaTypes.dockerManifest : mediaTypes.ociManifest,
      config: { mediaType: docker ? mediaTypes.dockerConfig : mediaTypes.ociConfig, size: config.size, digest: image.id },
      layers: layers.map((l) => ({ ...l.desc, mediaType: docker ? mediaTypes.dockerLayerGzip : toOciLayerType(l.desc.mediaType) })),
    };
    const bytes = Buffer.from(JSON.stringify(doc, null, 3));
    return { mediaType: doc.mediaType!, bytes, config: doc.config, layers: layers.map((l, i) => ({ ...l, desc: doc.layers[i]! })), stored: false };
  }

  private sourcesOf(diffId: Digest, digest: string): string[] {
    return this.svc.layerBlobs(diffId).find((b) => b.digest === digest)?.sources ?? [];
  }

  private async presentBlob(diffId: Digest): Promise<LayerBlob | undefined> {
    for (const b of this.svc.layerBlobs(diffId)) {
      if (await this.svc.content.has(b.digest as Digest)) return b;
    }
    return undefined;
  }

  /** Gzips the layer's uncompressed blob into a new blob, once: it is recorded and kept. */
  private async compress(diffId: Digest, signal?: AbortSignal): Promise<LayerBlob> {
    if (!(await this.svc.content.has(diffId))) {
      throw new NotFound(`layer "${diffId}": neither its tar nor a compressed blob is in the content store`);
    }
    const gzip = createGzip({ level: 6 });
    const tar = await this.svc.content.readStream(diffId);
    tar.on('error', (err) => gzip.destroy(err));
    const info = await this.svc.content.ingest(tar.pipe(gzip), signal ? { signal } : {});
    const blob = { digest: info.digest, mediaType: mediaTypes.dockerLayerGzip, size: info.size };
    this.svc.recordLayerBlob(diffId, blob);
    await this.svc.saveIndex();
    return { ...blob, sources: [] };
  }
}

function toOciLayerType(t: string): string {
  return t === mediaTypes.dockerLayerGzip ? mediaTypes.ociLayerGzip : t;
}
