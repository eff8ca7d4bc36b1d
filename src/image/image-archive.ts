/**
 * `docker save` and `docker load`: Docker's archive format (docker-image-spec v1.2: manifest.json,
 * repositories, `<id>.json` configs, `<v1 id>/layer.tar`), several images in one tar, and loading
 * of OCI image layouts (oci-layout, index.json, blobs/sha256/…) too.
 *
 * Save writes manifest.json and the configs first, then each layer once, streamed from the kept
 * tar blob or decompressed from the compressed one. Load stores every file of the archive in the
 * content store as it streams in (JSON documents stay in memory), then applies the layers the
 * manifests name, verifying their diff ids; what no loaded image uses is removed afterwards.
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { digestHex, isDigest, type Digest } from '../common/digest.js';
import { InvalidArgument, messageOf } from '../common/errors.js';
import { chainIds, mediaTypes, type ImageConfig } from '../oci/image.js';
import { decompressStream, detectCompression } from './decompress-stream.js';
import type { Image } from './image.js';
import type { ImageService } from './image-service.js';
import { isIndexType, parseIndex, parseManifest, parsePlatform, selectPlatform } from './manifest-document.js';
import type { ProgressSink } from './progress.js';
import { familiarName, parseReference, referenceString, repositoryName } from './reference.js';

interface ArchiveManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** JSON files up to this size are kept in memory while loading. */
const maxDocument = 8 << 20;

/** Which images `names` select, with the tags to record for each (Docker's save rules). */
function selectImages(svc: ImageService, names: string[]): { image: Image; tags: string[] }[] {
  const out = new Map<Digest, { image: Image; tags: string[] }>();
  const add = (image: Image, tags: string[]) => {
    const e = out.get(image.id) ?? { image, tags: [] };
    for (const t of tags) if (!e.tags.includes(t)) e.tags.push(t);
    out.set(image.id, e);
  };
  for (const name of names) {
    let ref;
    try {
      ref = parseReference(name);
    } catch {
      ref = undefined; // an id or id prefix
    }
    if (ref && ref.tag === undefined && ref.digest === undefined) {
      // A repository name alone saves every tag of it.
      const repo = repositoryName(ref);
      let found = false;
      for (const img of svc.list()) {
        const mine = img.repoTags.filter((t) => repositoryName(parseReference(t)) === repo);
        if (mine.length) {
          add(img, mine);
          found = true;
        }
      }
      if (found) continue;
    }
    add(svc.resolve(name), ref?.tag !== undefined ? [familiarName(ref)] : []);
  }
  return [...out.values()];
}

/** The archive of the images `names` select, as a tar stream. Throws NotFound before any byte. */
export function saveArchive(svc: ImageService, names: string[], signal?: AbortSignal): Readable {
  const selected = selectImages(svc, names);
  const pack = tar.pack();
  const entry = (name: string, data: Buffer | string) => new Promise<void>((resolve, reject) => {
    pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve()));
  });
  const fill = async () => {
    const manifest: ArchiveManifestItem[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const layers: { dir: string; chainId: string; diffId: Digest; parentDir: string }[] = [];
    const seen = new Set<string>();
    for (const { image, tags } of selected) {
      const hex = digestHex(image.id);
      await entry(`${hex}.json`, await svc.configBytes(image.id));
      const chain = chainIds(image.config.rootfs.diff_ids);
      const dirs = chain.map((c) => digestHex(c));
      chain.forEach((c, i) => {
        if (seen.has(c)) return;
        seen.add(c);
        layers.push({ dir: dirs[i]!, chainId: c, diffId: image.config.rootfs.diff_ids[i]!, parentDir: dirs[i - 1] ?? '' });
      });
      manifest.push({ Config: `${hex}.json`, RepoTags: tags.length ? tags : null, Layers: dirs.map((d) => `${d}/layer.tar`) });
      for (const t of tags) {
        const ref = parseReference(t);
        const repo = familiarName({ domain: ref.domain, path: ref.path });
        (repositories[repo] ??= {})[ref.tag!] = dirs.at(-1) ?? '';
      }
    }
    await entry('manifest.json', JSON.stringify(manifest));
    await entry('repositories', JSON.stringify(repositories));
    for (const l of layers) {
      signal?.throwIfAborted();
      await entry(`${l.dir}/VERSION`, '1.0');
      await entry(`${l.dir}/json`, JSON.stringify({ id: l.dir, ...(l.parentDir ? { parent: l.parentDir } : {}), created: '1970-01-01T00:00:00Z' }));
      const { size, open } = await svc.layerTar(l.chainId, l.diffId);
      const body = await open();
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name: `${l.dir}/layer.tar`, size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
        // A client that goes away destroys the pack, and with it this entry: the layer's file
        // must close then too, and the entry's error is this promise's, not an unhandled one.
        const fail = (err: Error) => {
          body.destroy();
          sink.destroy(err);
          reject(err);
        };
        body.on('error', fail);
        sink.on('error', fail);
        const closed = () => fail(new Error('the archive was closed before the layer was written'));
        pack.once('close', closed);
        body.pipe(sink as unknown as NodeJS.WritableStream);
        sink.once('finish', () => pack.off('close', closed));
      }).finally(() => body.destroy());
    }
  };
  void fill().then(() => pack.finalize(), (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return pack as unknown as Readable;
}

interface ArchiveFile {
  data?: Buffer;
  blob?: { digest: Digest; size: number };
  link?: string;
}

export interface LoadOptions {
  progress: ProgressSink;
  signal?: AbortSignal;
}

/**
 * Loads a Docker archive or an OCI image layout tar. Reports `Loaded image: name:tag` (or
 * `Loaded image ID: sha256:…`) per image, as Docker does.
 */
export async function loadArchive(svc: ImageService, input: Readable, options: LoadOptions): Promise<Image[]> {
  const files = new Map<string, ArchiveFile>();
  const held: (() => void)[] = [];
  try {
    const extract = tar.extract();
    input.on('error', (err) => extract.destroy(err));
    input.pipe(extract as unknown as NodeJS.WritableStream);
    for await (const e of extract) {
      options.signal?.throwIfAborted();
      const h = e.header;
      const name = posix.normalize(h.name).replace(/^(\.\/|\/)+/, '').replace(/\/$/, '');
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? posix.join(posix.dirname(name), h.linkname ?? '') : posix.normalize(h.linkname ?? '');
        files.set(name, { link: target });
        e.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        e.resume();
        continue;
      }
      const size = h.size ?? 0;
      if (size <= maxDocument && (name.endsWith('.json') || name === 'repositories' || name === 'oci-layout' || (name.startsWith('blobs/') && size <= 1 << 20))) {
        const chunks: Buffer[] = [];
        for await (const c of e) chunks.push(c as Buffer);
        files.set(name, { data: Buffer.concat(chunks) });
        continue;
      }
      const blob = await svc.content.ingest(e as unknown as Readable, options.signal ? { signal: options.signal } : {});
      held.push(svc.hold([blob.digest]));
      files.set(name, { blob });
    }
    const lookup = (name: string): ArchiveFile => {
      let n = posix.normalize(name).replace(/^(\.\/|\/)+/, '');
      for (let i = 0; i < 10; i++) {
        const f = files.get(n);
        if (!f) break;
        if (f.link === undefined) return f;
        n = f.link;
      }
      throw new InvalidArgument(`invalid archive: "${name}" is not in it`);
    };
    const images: Image[] = [];
    if (files.has('manifest.json')) {
      let items: ArchiveManifestItem[];
      try {
        items = JSON.parse(lookup('manifest.json').data!.toString('utf8')) as ArchiveManifestItem[];
        if (!Array.isArray(items)) throw new Error('not an array');
      } catch (err) {
        throw new InvalidArgument(`invalid archive: manifest.json: ${messageOf(err)}`, { cause: err });
      }
      for (const item of items) {
        const config = await fileBytes(svc, lookup(item.Config));
        const layers = item.Layers.map((l) => lookup(l));
        images.push(await loadImage(svc, config, layers, item.RepoTags ?? [], options));
      }
    } else if (files.has('index.json')) {
      const index = parseIndex(lookup('index.json').data!);
      const blobFile = (d: string) => lookup(`blobs/sha256/${digestHex(d as Digest)}`);
      for (const desc of index.manifests) {
        let m = desc;
        if (isIndexType(m.mediaType)) m = selectPlatform(parseIndex(await fileBytes(svc, blobFile(m.digest))), parsePlatform(undefined), 'the archive');
        const manifest = parseManifest(await fileBytes(svc, blobFile(m.digest)));
        const config = await fileBytes(svc, blobFile(manifest.config.digest));
        const name = desc.annotations?.['io.containerd.image.name'] ?? desc.annotations?.['org.opencontainers.image.ref.name'];
        let tags: string[] = [];
        if (name) {
          try {
            const ref = parseReference(name);
            if (ref.tag !== undefined) tags = [referenceString(ref)];
          } catch {
            // a bare tag (`v1`) names no repository: Docker loads the image untagged too
          }
        }
        images.push(await loadImage(svc, config, manifest.layers.map((l) => blobFile(l.digest)), tags, options));
      }
    } else {
      throw new InvalidArgument('invalid archive: neither manifest.json (Docker) nor index.json (OCI layout) is in it');
    }
    return images;
  } finally {
    for (const r of held) r();
    await svc.collectGarbage().catch((err: unknown) => svc.log.warn('cleanup after load', { error: messageOf(err) }));
  }
}

async function fileBytes(svc: ImageService, f: ArchiveFile): Promise<Buffer> {
  if (f.data) return f.data;
  if (f.blob) return svc.content.read(f.blob.digest);
  throw new InvalidArgument('invalid archive: a link where a file was expected');
}

async function loadImage(svc: ImageService, configBytes: Buffer, layers: ArchiveFile[], tags: string[], options: LoadOptions): Promise<Image> {
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw new InvalidArgument(`invalid archive: image config: ${messageOf(err)}`, { cause: err });
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) throw new InvalidArgument(`invalid archive: ${layers.length} layers for ${diffIds.length} diff ids`);
  const chain = chainIds(diffIds);
  const sources: { digest: Digest; size: number; tar: Readable }[] = [];
  const release = svc.hold([...chain, ...diffIds]);
  try {
    return await applyAndCreate();
  } finally {
    release();
  }

  async function applyAndCreate(): Promise<Image> {
  try {
    for (let i = 0; i < layers.length; i++) {
      if (!isDigest(diffIds[i]!)) throw new InvalidArgument(`invalid archive: diff id "${String(diffIds[i])}"`);
      const f = layers[i]!;
      const blob = f.blob ?? (await svc.content.put(f.data ?? Buffer.alloc(0)));
      sources.push({ ...blob, tar: await decompressStream(await svc.content.readStream(blob.digest)) });
    }
  } catch (err) {
    for (const s of sources) s.tar.destroy();
    throw err;
  }
  // All layers unpack at once: each registers its creation before the next (parents may be in progress).
  const applied = sources.map((s, i) => svc.applyLayer(i === 0 ? '' : chain[i - 1]!, s.tar, {
    diffId: diffIds[i]!, fromDiffIdBlob: s.digest === diffIds[i], ...(options.signal ? { signal: options.signal } : {}),
  }));
  const results = await Promise.allSettled(applied);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const s of sources) s.tar.destroy();
    throw failed.reason;
  }
  for (const [i, s] of sources.entries()) {
    if (s.digest === diffIds[i]) continue;
    const kind = detectCompression(await readHead(await svc.content.path(s.digest)));
    const mediaType = kind === 'gzip' ? mediaTypes.dockerLayerGzip : kind === 'zstd' ? mediaTypes.ociLayerZstd : undefined;
    if (mediaType) svc.recordLayerBlob(diffIds[i]!, { digest: s.digest, mediaType, size: s.size });
  }
  const image = await svc.create(configBytes, { tags });
  if (tags.length) for (const t of tags) options.progress({ status: `Loaded image: ${familiarName(t)}` });
  else options.progress({ status: `Loaded image ID: ${image.id}` });
  return image;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
