/**
 * `docker pull`: resolves a reference to a manifest (picking the platform from an index), then
 * fetches the config and every missing layer at once, each in one pass: download → (verify the
 * blob digest while storing it in the content store) and (decompress → unpack, verifying the
 * diff id). Layers commit bottom-up; a layer another pull is already fetching is awaited, not
 * fetched again. A failed pull leaves no layer or blob that no image uses.
 */
import { setMaxListeners } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { sha256Digest, type Digest } from '../common/digest.js';
import { InvalidArgument, messageOf } from '../common/errors.js';
import { chainIds, type ImageConfig, type Manifest, type Platform } from '../oci/image.js';
import type { RegistryClient, RegistryCredentials } from '../registry/registry-client.js';
import { decompressStream } from './decompress-stream.js';
import type { Image } from './image.js';
import type { ImageService } from './image-service.js';
import { isIndexType, parseIndex, parseManifest, parsePlatform, selectPlatform } from './manifest-document.js';
import { shortLayerId, throttled, type ProgressSink } from './progress.js';
import { familiarName, parseReference, referenceString, repositoryName, withTag, type Reference } from './reference.js';
import { Semaphore } from './semaphore.js';
import { teeStream } from './tee-stream.js';

export interface PullOptions {
  credentials?: RegistryCredentials;
  /** `os/arch[/variant]`; the host's by default. */
  platform?: string;
  /** Every tag of the repository (`docker pull -a`). */
  allTags?: boolean;
  progress: ProgressSink;
  signal?: AbortSignal;
}

export interface PullResult {
  images: Image[];
}

/** Docker's max-concurrent-downloads. */
const maxDownloads = 3;
const maxConfig = 8 << 20;

interface LayerJob {
  /** Settles once the layer's creation is registered with the snapshotter (children may start). */
  started: Promise<void>;
  done: Promise<void>;
}

export class ImagePuller {
  private readonly jobs = new Map<string, LayerJob>();
  private readonly downloads = new Semaphore(maxDownloads);

  constructor(private readonly svc: ImageService) {}

  async pull(refText: string, options: PullOptions): Promise<PullResult> {
    const ref = parseReference(refText);
    if (options.allTags && (ref.tag !== undefined || ref.digest !== undefined)) throw new InvalidArgument('tag can\'t be used with --all-tags/-a');
    const platform = parsePlatform(options.platform);
    const client = await this.svc.registryClient(ref.domain, options.credentials);
    try {
      if (!options.allTags) {
        const target = ref.tag === undefined && ref.digest === undefined ? withTag(ref, 'latest') : ref;
        const { image, changed, digest } = await this.pullOne(client, target, platform, options);
        options.progress({ status: `Digest: ${digest}` });
        options.progress({ status: `Status: ${changed ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarName(target)}` });
        return { images: [image] };
      }
      const tags = (await client.listTags(ref.path, options.signal)).sort();
      const images: Image[] = [];
      let changed = false;
      for (const tag of tags) {
        const r = await this.pullOne(client, withTag(ref, tag), platform, options);
        options.progress({ status: `Digest: ${r.digest}` });
        images.push(r.image);
        changed ||= r.changed;
      }
      options.progress({ status: `Status: ${changed ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarName(ref)}` });
      return { images };
    } finally {
      client.close();
    }
  }

  private async pullOne(client: RegistryClient, ref: Reference, platform: Platform, options: PullOptions): Promise<{ image: Image; changed: boolean; digest: Digest }> {
    const { signal, progress } = options;
    const repo = ref.path;
    const reference = ref.digest ?? ref.tag!;
    progress({ id: reference, status: `Pulling from ${repo}` });
    const top = await client.getManifest(repo, reference, signal);
    let fetched = top;
    if (isIndexType(top.mediaType)) {
      const desc = selectPlatform(parseIndex(top.bytes), platform, familiarName(ref));
      fetched = await client.getManifest(repo, desc.digest, signal);
    }
    const manifest = parseManifest(fetched.bytes);
    const configBytes = await this.fetchConfig(client, repo, manifest, signal);
    const config = parseImageConfig(configBytes);
    if (!isIndexType(top.mediaType) && config.os && config.os !== platform.os) {
      throw new InvalidArgument(`image operating system "${config.os}" cannot be used on this platform`);
    }
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new InvalidArgument(`malformed manifest: ${manifest.layers.length} layers for ${diffIds.length} diff ids in the config`);
    }
    const before = this.tryResolve(ref);
    const chain = chainIds(diffIds);
    const release = this.svc.hold([...chain, ...diffIds, ...manifest.layers.map((l) => l.digest), fetched.digest, manifest.config.digest]);
    try {
      const ac = new AbortController();
      // Every layer's download, ingest and unpack listen to it: more than Node's default of 10.
      setMaxListeners(8 * manifest.layers.length + 10, ac.signal);
      const onAbort = () => ac.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const source = repositoryName(ref);
      const jobs: LayerJob[] = [];
      try {
        for (let i = 0; i < manifest.layers.length; i++) {
          jobs.push(this.layerJob(client, { repo, source, manifest, diffIds, chain, i, parent: jobs[i - 1] }, progress, ac.signal));
        }
        const results = await Promise.allSettled(jobs.map((j) => j.done));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } catch (err) {
        ac.abort(err);
        await Promise.allSettled(jobs.map((j) => j.done));
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      await this.svc.content.put(fetched.bytes, { expected: { digest: fetched.digest } });
      const image = await this.svc.create(configBytes, {
        tags: ref.tag !== undefined ? [referenceString(ref)] : [],
        repoDigests: [`${repositoryName(ref)}@${top.digest}`],
        manifest: fetched.digest,
      });
      return { image, changed: before?.id !== image.id, digest: top.digest };
    } catch (err) {
      release();
      await this.svc.collectGarbage().catch((e: unknown) => this.svc.log.warn('cleanup after a failed pull', { error: messageOf(e) }));
      throw err;
    } finally {
      release();
    }
  }

  private tryResolve(ref: Reference): Image | undefined {
    try {
      return this.svc.resolve(referenceString(ref));
    } catch {
      return undefined;
    }
  }

  private async fetchConfig(client: RegistryClient, repo: string, manifest: Manifest, signal?: AbortSignal): Promise<Buffer> {
    const desc = manifest.config;
    if (desc.size > maxConfig) throw new InvalidArgument(`image config "${desc.digest}" is too large: ${desc.size} bytes`);
    if (await this.svc.content.has(desc.digest)) return this.svc.content.read(desc.digest);
    const chunks: Buffer[] = [];
    for await (const c of client.openBlob(repo, desc, signal ? { signal } : {})) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const got = sha256Digest(bytes);
    if (got !== desc.digest) throw new InvalidArgument(`image config "${desc.digest}": digest mismatch: got "${got}"`);
    return bytes;
  }

  private layerJob(
    client: RegistryClient,
    l: { repo: string; source: string; manifest: Manifest; diffIds: Digest[]; chain: Digest[]; i: number; parent: LayerJob | undefined },
    progress: ProgressSink,
    signal: AbortSignal,
  ): LayerJob {
    const desc = l.manifest.layers[l.i]!;
    const diffId = l.diffIds[l.i]!;
    const chainId = l.chain[l.i]!;
    const parentChain = l.i === 0 ? '' : l.chain[l.i - 1]!;
    const id = shortLayerId(desc.digest);
    const record = () => this.svc.recordLayerBlob(diffId, { digest: desc.digest, mediaType: desc.mediaType, size: desc.size }, l.source);
    if (this.svc.hasLayer(chainId)) {
      progress({ id, status: 'Already exists' });
      // Recorded even without the bytes: a push to this registry can mount the blob from here.
      record();
      return { started: Promise.resolve(), done: Promise.resolve() };
    }
    const running = this.jobs.get(chainId);
    if (running) {
      progress({ id, status: 'Waiting' });
      return {
        started: running.started,
        done: running.done.then(() => {
          progress({ id, status: 'Download complete' });
          progress({ id, status: 'Pull complete' });
        }),
      };
    }
    progress({ id, status: 'Pulling fs layer' });
    let markStarted!: () => void;
    const started = new Promise<void>((r) => (markStarted = r));
    const done = (async () => {
      // The slot bounds downloads, not unpacking: it is given back once the last byte arrived, so
      // the next layer downloads while this one's unpack and commit finish.
      let holding = false;
      const releaseSlot = () => {
        if (holding) this.downloads.release();
        holding = false;
      };
      try {
        if (!this.downloads.tryAcquire()) {
          progress({ id, status: 'Waiting' });
          await this.downloads.acquire(signal);
        }
        holding = true;
      } catch (err) {
        markStarted();
        throw err;
      }
      let blob: Readable | undefined;
      // Set before any tar byte flows: the layer commits only once the blob is verified.
      let verified: Promise<unknown> = Promise.resolve();
      const tarIn = new PassThrough({ highWaterMark: 1 << 20 });
      try {
        await l.parent?.started;
        signal.throwIfAborted();
        const applying = this.svc.applyLayer(parentChain, tarIn, { diffId, signal, verify: () => verified });
        markStarted();
        applying.catch(() => {});
        if (await this.svc.content.has(desc.digest)) {
          blob = await this.svc.content.readStream(desc.digest);
          blob.once('end', releaseSlot);
          verified = Promise.resolve();
          progress({ id, status: 'Download complete' });
        } else {
          const report = throttled(progress);
          const download = client.openBlob(l.repo, desc, { signal, onProgress: (current) => report({ id, status: 'Downloading', current, total: desc.size }) });
          download.once('end', releaseSlot);
          const [forStore, forUnpack] = teeStream(download);
          blob = forUnpack;
          verified = this.svc.content.ingest(forStore, { expected: { digest: desc.digest, size: desc.size }, signal }).then(() => {
            progress({ id, status: 'Verifying Checksum' });
            progress({ id, status: 'Download complete' });
          });
          verified.catch(() => {});
          blob.on('close', () => { if (!download.readableEnded) download.destroy(); });
        }
        const tar = await decompressStream(blob);
        tar.on('error', (err) => tarIn.destroy(err));
        tar.pipe(tarIn);
        await applying;
        await verified;
        record();
        progress({ id, status: 'Extracting', current: desc.size, total: desc.size });
        progress({ id, status: 'Pull complete' });
      } catch (err) {
        markStarted();
        tarIn.destroy();
        blob?.destroy();
        // A corrupt blob usually breaks the decompressor first: name the digest mismatch instead.
        const mismatch = await Promise.race([verified.then(() => undefined, (e: unknown) => e), new Promise((r) => setTimeout(r, 1000))]);
        if (mismatch instanceof InvalidArgument && /digest mismatch/.test(mismatch.message)) throw mismatch;
        throw err;
      } finally {
        releaseSlot();
      }
    })();
    const job: LayerJob = { started, done };
    this.jobs.set(chainId, job);
    done.catch(() => {}).finally(() => {
      if (this.jobs.get(chainId) === job) this.jobs.delete(chainId);
    });
    return job;
  }
}

function parseImageConfig(bytes: Buffer): ImageConfig {
  try {
    const c = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    if (typeof c !== 'object' || c === null || !Array.isArray(c.rootfs?.diff_ids)) throw new Error('no rootfs.diff_ids');
    return c;
  } catch (err) {
    throw new InvalidArgument(`invalid image config: ${messageOf(err)}`, { cause: err });
  }
}
