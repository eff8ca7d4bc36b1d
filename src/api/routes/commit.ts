import type { Readable } from 'node:stream';
import type { Router } from '../router.js';
import type { ContainerConfig } from '../types/index.js';

export interface CommitQuery {
  container: string;
  repo: string;
  tag: string;
  comment: string;
  author: string;
  /** Pause the container while its changes are read (Docker's default). */
  pause: boolean;
  /** Dockerfile instructions applied to the new image's config. */
  changes: string[];
  /** Overrides of the container's config, from the request body. */
  config: Partial<ContainerConfig> | undefined;
}

export interface CommitBackend {
  commit(q: CommitQuery, signal: AbortSignal): Promise<{ Id: string }>;
  /** The container's root filesystem as a tar stream. */
  export(ref: string, signal: AbortSignal): Promise<Readable>;
}

/** POST /commit and GET /containers/{id}/export: what needs a container's writable layer. */
export function commitRoutes(r: Router, b: CommitBackend): void {
  r.add('POST', '/commit', async (ctx) => {
    const ac = new AbortController();
    ctx.res!.on('close', () => ac.abort());
    const body = await ctx.json<Partial<ContainerConfig> | null>(null);
    const result = await b.commit({
      container: ctx.str('container'), repo: ctx.str('repo'), tag: ctx.str('tag'), comment: ctx.str('comment'),
      author: ctx.str('author'), pause: ctx.bool('pause', true), changes: ctx.query.getAll('changes'),
      config: body ?? undefined,
    }, ac.signal);
    ctx.sendJson(201, result);
  });
  r.add('GET', '/containers/{id}/export', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const tar = await b.export(ctx.param('id'), ac.signal);
    res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    tar.on('error', () => res.destroy());
    tar.pipe(res);
  });
}
