import type { Readable } from 'node:stream';
import type { ImageDeleteResponseItem, ImageInspect, ImagePruneResponse, ImageSummary, JSONMessage } from '../types/index.js';
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
  /** Pulls an image, reporting progress as JSON messages. */
  pull(ref: { image: string; tag: string; platform: string; auth: string }, progress: (m: JSONMessage) => void, signal: AbortSignal): Promise<void>;
  tag(ref: string, repo: string, tag: string): Promise<void>;
  prune(filters: Filters): Promise<ImagePruneResponse>;
}

export function imageRoutes(r: Router, b: ImagesBackend): void {
  r.add('GET', '/images/json', (ctx) => {
    ctx.sendJson(200, b.list({ all: ctx.bool('all'), filters: parseFilters(ctx), digests: ctx.bool('digests') }));
  });
  r.add('POST', '/images/prune', async (ctx) => ctx.sendJson(200, await b.prune(parseFilters(ctx))));
  r.add('POST', '/images/create', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const send = (m: JSONMessage) => {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify(m) + '\r\n');
    };
    const fromSrc = ctx.str('fromSrc');
    if (fromSrc) {
      if (fromSrc !== '-') throw new Error('importing from a URL is not supported: send the tarball in the request body (fromSrc=-)');
      const id = await b.import(ctx.req, {
        repo: ctx.str('repo'), tag: ctx.str('tag'), changes: ctx.query.getAll('changes'),
        message: ctx.str('message'), platform: ctx.str('platform'),
      }, ac.signal);
      send({ status: id });
      res.end();
      return;
    }
    try {
      await b.pull({ image: ctx.str('fromImage'), tag: ctx.str('tag'), platform: ctx.str('platform'), auth: String(ctx.req.headers['x-registry-auth'] ?? '') }, send, ac.signal);
    } catch (err) {
      // Once the stream has begun, errors travel inside it.
      if (!res.headersSent) throw err;
      const message = (err as Error).message;
      send({ errorDetail: { message }, error: message });
    }
    res.end();
  });
  r.add('GET', '/images/{name*}/json', (ctx) => ctx.sendJson(200, b.inspect(ctx.param('name'))));
  r.add('POST', '/images/{name*}/tag', async (ctx) => {
    await b.tag(ctx.param('name'), ctx.str('repo'), ctx.str('tag'));
    ctx.noContent(201);
  });
  r.add('DELETE', '/images/{name*}', async (ctx) => {
    ctx.sendJson(200, await b.remove(ctx.param('name'), { force: ctx.bool('force'), noPrune: ctx.bool('noprune') }));
  });
}
