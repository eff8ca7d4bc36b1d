import { checkShape, stringMap } from '../json-shape.js';
import type { RequestContext } from '../context.js';
import type { Router } from '../router.js';
import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneResponse } from '../types/index.js';
import { compareVersions } from '../version.js';
import { parseFilters, type Filters } from './system.js';

export interface VolumesBackend {
  list(filters: Filters): Promise<VolumeListResponse>;
  create(req: VolumeCreateRequest): Promise<Volume>;
  inspect(name: string): Volume;
  remove(name: string, force: boolean): Promise<void>;
  /**
   * Removes the volumes no container uses; `anonymousOnly` unless the filters say all=true, as
   * API 1.42 made it (older clients prune every unused volume).
   */
  prune(filters: Filters, opts: { anonymousOnly: boolean }): Promise<VolumePruneResponse>;
}

const createShape = { object: { Name: 'string', Driver: 'string', DriverOpts: stringMap, Labels: stringMap } } as const;

/** The /volumes endpoints. */
export function volumeRoutes(r: Router, b: VolumesBackend): void {
  r.add('GET', '/volumes', async (ctx) => ctx.sendJson(200, await b.list(parseFilters(ctx))));
  r.add('POST', '/volumes/create', async (ctx) => {
    const body = (await ctx.jsonObject()) ?? {};
    checkShape(body, createShape, '');
    ctx.sendJson(201, await b.create(body as VolumeCreateRequest));
  });
  r.add('POST', '/volumes/prune', async (ctx) => {
    const filters = parseFilters(ctx);
    ctx.sendJson(200, await b.prune(filters, { anonymousOnly: anonymousOnly(ctx, filters) }));
  });
  r.add('GET', '/volumes/{name}', (ctx) => ctx.sendJson(200, b.inspect(ctx.param('name'))));
  r.add('DELETE', '/volumes/{name}', async (ctx) => {
    await b.remove(ctx.param('name'), ctx.bool('force'));
    ctx.noContent();
  });
}

function anonymousOnly(ctx: RequestContext, filters: Filters): boolean {
  if (compareVersions(ctx.version, '1.42') < 0) return false;
  return !(filters.all ?? []).some((v) => v === 'true' || v === '1');
}
