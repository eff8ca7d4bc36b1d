import type { Readable } from 'node:stream';
import { InvalidArgument } from '../../common/errors.js';
import type { RequestContext } from '../context.js';
import type { Router } from '../router.js';
import type { JSONMessage } from '../types/index.js';
import { parseFilters, type Filters } from './system.js';

export interface BuildQuery {
  tags: string[];
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  pull: boolean;
  quiet: boolean;
  rm: boolean;
  forceRm: boolean;
  networkMode: string;
  remote: string;
  /** Limits for the RUN containers, as `docker build --memory --cpu-shares …` sets them. */
  resources: { memory: number; memorySwap: number; cpuShares: number; cpusetCpus: string; cpuPeriod: number; cpuQuota: number; shmSize: number };
}

/** A build whose context arrived and whose Dockerfile parsed: what is refused is refused before. */
export interface StartedBuild {
  /** Runs the steps, sending Docker's build messages; the last ones carry the image id or the error. */
  run(send: (m: JSONMessage) => void): Promise<void>;
}

export interface BuildBackend {
  build(context: Readable, q: BuildQuery, signal: AbortSignal): Promise<StartedBuild>;
  prune(filters: Filters, all: boolean): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

function jsonQuery<T>(ctx: RequestContext, name: string, fallback: T): T {
  const raw = ctx.str(name);
  if (raw === '') return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new InvalidArgument(`invalid ${name} parameter: ${(err as Error).message}`, { cause: err });
  }
}

/** POST /build (the classic builder's API, as `DOCKER_BUILDKIT=0 docker build` uses it) and POST /build/prune. */
export function buildRoutes(r: Router, b: BuildBackend): void {
  r.add('POST', '/build', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const started = await b.build(ctx.req, {
      tags: ctx.query.getAll('t').filter((t) => t !== ''),
      dockerfile: ctx.str('dockerfile', 'Dockerfile'),
      buildArgs: jsonQuery(ctx, 'buildargs', {}),
      labels: jsonQuery(ctx, 'labels', {}),
      target: ctx.str('target'),
      noCache: ctx.bool('nocache'),
      pull: ctx.bool('pull'),
      quiet: ctx.bool('q'),
      rm: ctx.bool('rm', true),
      forceRm: ctx.bool('forcerm'),
      networkMode: ctx.str('networkmode', 'default'),
      remote: ctx.str('remote'),
      resources: {
        memory: ctx.int('memory', 0), memorySwap: ctx.int('memswap', 0), cpuShares: ctx.int('cpushares', 0),
        cpusetCpus: ctx.str('cpusetcpus'), cpuPeriod: ctx.int('cpuperiod', 0), cpuQuota: ctx.int('cpuquota', 0),
        shmSize: ctx.int('shmsize', 0),
      },
    }, ac.signal);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    await started.run((m) => {
      if (!res.destroyed) res.write(`${JSON.stringify(m)}\r\n`);
    });
    res.end();
  });
  r.add('POST', '/build/prune', async (ctx) => {
    ctx.sendJson(200, await b.prune(parseFilters(ctx), ctx.bool('all')));
  });
}
