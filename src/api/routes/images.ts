import type { Readable } from 'node:stream';
import { InvalidArgument, NotImplemented } from '../../common/errors.js';
import type { RequestContext } from '../context.js';
import type { AuthConfig, HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImagePruneResponse, ImageSummary, JSONMessage } from '../types/index.js';
import type { Router } from '../router.js';
import { parseFilters, type Filters } from './system.js';

export interface ImportQuery {
  repo: string;
  tag: string;
  changes: string[];
  message: string;
  platform: string;
}

export interface ImagesBackend {
  list(opts: { all: boolean; filters: Filters; digests: boolean }): ImageSummary[];
  inspect(ref: string): ImageInspect;
  remove(ref: string, opts: { force: boolean; noPrune: boolean }): Promise<ImageDeleteResponseItem[]>;
  /** Imports a filesystem tarball; resolves with the image id. */
  import(body: Readable, q: ImportQuery, signal: AbortSignal): Promise<string>;
  /** Pulls an image (every tag when the reference has none), reporting progress as JSON messages. */
  pull(ref: { image: string; tag: string; platform: string; auth: AuthConfig }, progress: (m: JSONMessage) => void, signal: AbortSignal): Promise<void>;
  /** Pushes `name:tag` (every tag of the repository when `tag` is empty). */
  push(ref: { name: string; tag: string; auth: AuthConfig }, progress: (m: JSONMessage) => void, signal: AbortSignal): Promise<void>;
  history(ref: string): HistoryResponseItem[];
  /** A tar of the images in Docker's archive format; throws before returning when one is missing. */
  save(names: string[], signal: AbortSignal): Readable;
  /** Loads a Docker archive or OCI layout tar, reporting `Loaded image: …` messages. */
  load(body: Readable, progress: (m: JSONMessage) => void, signal: AbortSignal): Promise<void>;
  tag(ref: string, repo: string, tag: string): Promise<void>;
  prune(filters: Filters): Promise<ImagePruneResponse>;
}

export function imageRoutes(r: Router, b: ImagesBackend): void {
  r.add('GET', '/images/json', (ctx) => {
    ctx.sendJson(200, b.list({ all: ctx.bool('all'), filters: parseFilters(ctx), digests: ctx.bool('digests') }));
  });
  r.add('POST', '/images/prune', async (ctx) => ctx.sendJson(200, await b.prune(parseFilters(ctx))));
  r.add('POST', '/images/create', async (ctx) => {
    const fromSrc = ctx.str('fromSrc');
    const out = progressStream(ctx);
    if (fromSrc) {
      if (fromSrc !== '-') throw new NotImplemented('importing from a URL is not supported: send the tarball in the request body (fromSrc=-)');
      const id = await b.import(ctx.req, {
        repo: ctx.str('repo'), tag: ctx.str('tag'), changes: ctx.query.getAll('changes'),
        message: ctx.str('message'), platform: ctx.str('platform'),
      }, out.signal);
      out.send({ status: id });
      out.end();
      return;
    }
    await out.run((send, signal) => b.pull({ image: ctx.str('fromImage'), tag: ctx.str('tag'), platform: ctx.str('platform'), auth: registryAuth(ctx) }, send, signal));
  });
  r.add('POST', '/images/{name*}/push', async (ctx) => {
    await progressStream(ctx).run((send, signal) => b.push({ name: ctx.param('name'), tag: ctx.str('tag'), auth: registryAuth(ctx) }, send, signal));
  });
  const save = (ctx: RequestContext, names: string[]) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const tar = b.save(names, ac.signal);
    // A client gone mid-archive: the tar stream goes too, closing the layer file it was reading.
    res.on('close', () => {
      if (!res.writableFinished) tar.destroy();
    });
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    tar.on('error', () => res.destroy());
    tar.pipe(res);
  };
  r.add('GET', '/images/get', (ctx) => save(ctx, ctx.query.getAll('names')));
  r.add('GET', '/images/{name*}/get', (ctx) => save(ctx, [ctx.param('name')]));
  r.add('POST', '/images/load', async (ctx) => {
    // As dockerd: the answer is a 200 stream from the start, and an archive that cannot be
    // loaded (corrupt, truncated, not an image) is an error message in it.
    const out = progressStream(ctx, { quiet: ctx.bool('quiet'), eager: true });
    await out.run((send, signal) => b.load(ctx.req, send, signal));
  });
  r.add('GET', '/images/{name*}/history', (ctx) => ctx.sendJson(200, b.history(ctx.param('name'))));
  r.add('GET', '/images/{name*}/json', (ctx) => ctx.sendJson(200, b.inspect(ctx.param('name'))));
  r.add('POST', '/images/{name*}/tag', async (ctx) => {
    await b.tag(ctx.param('name'), ctx.str('repo'), ctx.str('tag'));
    ctx.noContent(201);
  });
  r.add('DELETE', '/images/{name*}', async (ctx) => {
    ctx.sendJson(200, await b.remove(ctx.param('name'), { force: ctx.bool('force'), noPrune: ctx.bool('noprune') }));
  });
}

/**
 * A streamed answer of JSON messages (pull, push, load), aborted when the client goes. Its 200
 * head goes out with the first message (`eager`: at once), so that an error before any progress
 * still gets its own status; once the stream has begun, errors travel inside it.
 */
function progressStream(ctx: RequestContext, o: { quiet?: boolean; eager?: boolean } = {}) {
  const res = ctx.res!;
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  const head = () => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
  };
  // Quiet leaves out progress, never the result lines (`stream`) or an error.
  const send = (m: JSONMessage) => {
    head();
    if (!o.quiet || m.stream !== undefined || m.error !== undefined) res.write(JSON.stringify(m) + '\r\n');
  };
  const end = () => {
    head();
    res.end();
  };
  if (o.eager) head();
  return {
    signal: ac.signal,
    send,
    end,
    async run(work: (send: (m: JSONMessage) => void, signal: AbortSignal) => Promise<void>): Promise<void> {
      try {
        await work(send, ac.signal);
      } catch (err) {
        if (!res.headersSent) throw err;
        const message = (err as Error).message;
        send({ errorDetail: { message }, error: message });
      }
      end();
    },
  };
}

/**
 * X-Registry-Auth: base64 (URL or standard alphabet, padded or not) of an AuthConfig JSON;
 * absent, empty or `{}` means anonymous.
 */
export function decodeRegistryAuth(header: string | undefined): AuthConfig {
  if (!header) return {};
  const text = Buffer.from(header.trim(), 'base64').toString('utf8');
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as AuthConfig;
  } catch (err) {
    throw new InvalidArgument(`invalid X-Registry-Auth header: ${(err as Error).message}`, { cause: err });
  }
}

function registryAuth(ctx: RequestContext): AuthConfig {
  const h = ctx.req.headers['x-registry-auth'];
  return decodeRegistryAuth(Array.isArray(h) ? h[0] : h);
}
