import type { Readable } from 'node:stream';
import { InvalidArgument } from '../../common/errors.js';
import type { RequestContext } from '../context.js';
import type { Router } from '../router.js';
import { PATH_STAT_HEADER, type ContainerPathStat, type FilesystemChange } from '../types/index.js';


export interface ArchiveBackend {
  /** Throws NotFound with Docker's text when the path does not exist in the container. */
  statPath(ref: string, path: string): Promise<ContainerPathStat>;
  /** The stat, and the tar of the path; stat is done before the answer starts. */
  getArchive(ref: string, path: string, signal: AbortSignal): Promise<{ stat: ContainerPathStat; tar: Readable }>;
  putArchive(ref: string, path: string, body: Readable, o: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }, signal: AbortSignal): Promise<void>;
  changes(ref: string): Promise<FilesystemChange[]>;
}


function pathParam(ctx: RequestContext): string {
  const path = ctx.str('path');
  if (!path) throw new InvalidArgument('bad parameter: path cannot be empty');
  return path;
}

function statHeader(stat: ContainerPathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

function abortOnClose(ctx: RequestContext): AbortSignal {
  const ac = new AbortController();
  ctx.res!.on('close', () => ac.abort());
  return ac.signal;
}

/** `docker cp` (GET/HEAD/PUT /containers/{id}/archive) and `docker diff` (/changes). */
export function archiveRoutes(r: Router, b: ArchiveBackend): void {
  r.add('GET', '/containers/{id}/archive', async (ctx) => {
    const res = ctx.res!;
    if (ctx.req.method === 'HEAD') {
      const stat = await b.statPath(ctx.param('id'), pathParam(ctx));
      res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/json' });
      res.end();
      return;
    }
    const signal = abortOnClose(ctx);
    const { stat, tar } = await b.getArchive(ctx.param('id'), pathParam(ctx), signal);
    res.on('close', () => {
      if (!res.writableFinished) tar.destroy();
    });
    res.writeHead(200, { [PATH_STAT_HEADER]: statHeader(stat), 'Content-Type': 'application/x-tar' });
    tar.on('error', () => res.destroy());
    tar.pipe(res);
  });
  r.add('PUT', '/containers/{id}/archive', async (ctx) => {
    await b.putArchive(ctx.param('id'), pathParam(ctx), ctx.req, {
      noOverwriteDirNonDir: ctx.bool('noOverwriteDirNonDir'), copyUIDGID: ctx.bool('copyUIDGID'),
    }, abortOnClose(ctx));
    ctx.noContent(200);
  });
  r.add('GET', '/containers/{id}/changes', async (ctx) => {
    const changes = await b.changes(ctx.param('id'));
    ctx.sendJson(200, changes.length ? changes : null);
  });
}
