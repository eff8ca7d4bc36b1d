import { InvalidArgument } from '../../common/errors.js';
import type { Router } from '../router.js';
import type { Network, NetworkConnectRequest, NetworkCreateRequest, NetworkCreateResponse, NetworkPruneResponse } from '../types/index.js';
import { parseFilters, type Filters } from './system.js';

export interface NetworksBackend {
  list(filters: Filters): Network[];
  inspect(ref: string): Network;
  create(req: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  remove(ref: string): Promise<void>;
  prune(filters: Filters): Promise<NetworkPruneResponse>;
  connect(ref: string, req: NetworkConnectRequest): Promise<void>;
  disconnect(ref: string, req: NetworkConnectRequest): Promise<void>;
}

/** Docker's /networks endpoints. */
export function networkRoutes(r: Router, b: NetworksBackend): void {
  r.add('GET', '/networks', (ctx) => ctx.sendJson(200, b.list(parseFilters(ctx))));
  r.add('GET', '/networks/{id}', (ctx) => ctx.sendJson(200, b.inspect(ctx.param('id'))));
  r.add('POST', '/networks/create', async (ctx) => {
    const body = await ctx.json<NetworkCreateRequest | null>(null);
    if (!body || typeof body !== 'object') throw new InvalidArgument('invalid network create request: a JSON object is needed');
    ctx.sendJson(201, await b.create(body));
  });
  r.add('DELETE', '/networks/{id}', async (ctx) => {
    await b.remove(ctx.param('id'));
    ctx.noContent();
  });
  r.add('POST', '/networks/prune', async (ctx) => ctx.sendJson(200, await b.prune(parseFilters(ctx))));
  for (const action of ['connect', 'disconnect'] as const) {
    r.add('POST', `/networks/{id}/${action}`, async (ctx) => {
      const body = await ctx.json<NetworkConnectRequest | null>(null);
      if (!body || typeof body !== 'object' || typeof body.Container !== 'string' || !body.Container) {
        throw new InvalidArgument('a container is needed: {"Container": "<id or name>"}');
      }
      await b[action](ctx.param('id'), body);
      ctx.noContent(200);
    });
  }
}
