import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * How a blob is served, to cause what a real registry cannot be made to do:
 * - `ok`: as asked, Range included;
 * - `corrupt`: other bytes than the digest names (same length);
 * - `drop-once`: the first response stops halfway and the connection is cut; later ones are whole;
 * - `drop-then-500`: halfway cut, then 500 on every later request;
 * - `truncate`: every response ends halfway (a proper end, too few bytes);
 * - `stall`: half the bytes, then nothing until `release()`.
 */
export type BlobBehaviour = 'ok' | 'corrupt' | 'drop-once' | 'drop-then-500' | 'truncate' | 'stall';

export interface FakeImage {
  repo: string;
  tag: string;
  /** Uncompressed layer tars, bottom first; served gzip-compressed. */
  layers: Buffer[];
  /** Replaces the manifest bytes (malformed manifests). */
  rawManifest?: string;
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A tiny anonymous registry over node:http, for the failures a real registry never has. */
export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly behaviour = new Map<string, BlobBehaviour>();
  readonly blobGets = new Map<string, number>();
  private readonly manifests = new Map<string, { type: string; body: Buffer }>();
  private readonly sockets = new Set<Socket>();
  private stallGate: Promise<void> | undefined;
  private releaseStall: (() => void) | undefined;

  private constructor(private readonly server: Server, readonly port: number) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<FakeRegistry> {
    let self!: FakeRegistry;
    const server = createServer((req, res) => void self.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new FakeRegistry(server, (server.address() as { port: number }).port);
    server.on('connection', (s: Socket) => {
      self.sockets.add(s);
      s.once('close', () => self.sockets.delete(s));
    });
    return self;
  }

  /** Adds an image; returns its layer blob digests (bottom first) and manifest digest. */
  addImage(img: FakeImage): { layerDigests: string[]; manifestDigest: string; configDigest: string } {
    const layerBlobs = img.layers.map((l) => gzipSync(l));
    for (const b of layerBlobs) this.blobs.set(sha(b), b);
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: img.layers.map((l) => sha(l)) },
    }));
    this.blobs.set(sha(config), config);
    const manifest = Buffer.from(img.rawManifest ?? JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) },
      layers: layerBlobs.map((b) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: b.length, digest: sha(b) })),
    }));
    const type = 'application/vnd.docker.distribution.manifest.v2+json';
    this.manifests.set(`${img.repo}:${img.tag}`, { type, body: manifest });
    this.manifests.set(`${img.repo}:${sha(manifest)}`, { type, body: manifest });
    return { layerDigests: layerBlobs.map((b) => sha(b)), manifestDigest: sha(manifest), configDigest: sha(config) };
  }

  /** Lets the `stall` blobs waiting now go on; later ones wait for the next release(). */
  release(): void {
    this.releaseStall?.();
    this.stallGate = undefined;
    this.releaseStall = undefined;
  }

  async stop(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const man = this.manifests.get(`${repo}:${ref}`);
      if (!man) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
        return;
      }
      res.writeHead(200, { 'Content-Type': man.type, 'Docker-Content-Digest': sha(man.body), 'Content-Length': man.body.length });
      res.end(req.method === 'HEAD' ? undefined : man.body);
      return;
    }
    const blob = this.blobs.get(ref);
    if (!blob) {
      res.writeHead(404).end();
      return;
    }
    const count = (this.blobGets.get(ref) ?? 0) + 1;
    if (req.method === 'GET') this.blobGets.set(ref, count);
    const behaviour = this.behaviour.get(ref) ?? 'ok';
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (behaviour === 'drop-then-500' && count > 1) {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage failure' }] }));
      return;
    }
    let body = blob.subarray(start);
    if (behaviour === 'corrupt') body = Buffer.from(body.map((b) => b ^ 0xff));
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length };
    if (range) headers['Content-Range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const half = Math.floor(body.length / 2);
    const cutFirst = (behaviour === 'drop-once' && count === 1) || (behaviour === 'drop-then-500' && count === 1);
    if (cutFirst || behaviour === 'truncate') {
      res.write(body.subarray(0, half), () => {
        // A cut connection, or (truncate) a chunked-less response that ends short: both are a drop to the client.
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    if (behaviour === 'stall') {
      this.stallGate ??= new Promise<void>((r) => (this.releaseStall = r));
      res.write(body.subarray(0, half));
      await this.stallGate;
      if (!res.destroyed) res.end(body.subarray(half));
      return;
    }
    res.end(body);
  }
}
