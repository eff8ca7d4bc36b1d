import type { EventMessage, SystemInfo, SystemVersion } from '../types/index.js';
import type { RequestContext } from '../context.js';
import type { Router } from '../router.js';
import { API_VERSION } from '../version.js';

/** Docker's filters: {"type": {"container": true}} or the legacy {"type": ["container"]}. */
export type Filters = Record<string, string[]>;

export function parseFilters(ctx: RequestContext): Filters {
  const raw = ctx.jsonQuery<Record<string, Record<string, boolean> | string[]>>('filters') ?? {};
  const out: Filters = {};
  for (const [k, v] of Object.entries(raw)) {
    out[k] = Array.isArray(v) ? v : Object.keys(v).filter((x) => v[x]);
  }
  return out;
}

export interface EventQuery {
  /** Unix nanoseconds, or undefined. */
  since?: bigint;
  until?: bigint;
  filters: Filters;
}

export interface SystemBackend {
  version(): SystemVersion;
  info(): Promise<SystemInfo>;
  /** Past events from `since` (if given), then live ones until `until` or the signal. */
  events(q: EventQuery, signal: AbortSignal): AsyncIterable<EventMessage>;
}

/** Docker's timestamps: "1700000000", "1700000000.123456789" (seconds) or RFC 3339. */
export function parseTimestamp(v: string): bigint | undefined {
  if (!v) return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

export function systemRoutes(r: Router, b: SystemBackend): void {
  const ping = (ctx: RequestContext) => {
    const res = ctx.res!;
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Api-Version': API_VERSION,
      'Builder-Version': '1',
      Swarm: 'inactive',
      'Content-Length': '2',
    });
    res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
  };
  r.add('GET', '/_ping', ping);
  r.add('HEAD', '/_ping', ping);
  r.add('GET', '/version', (ctx) => ctx.sendJson(200, b.version()));
  r.add('GET', '/info', async (ctx) => ctx.sendJson(200, await b.info()));
  r.add('GET', '/events', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const since = parseTimestamp(ctx.str('since'));
    const until = parseTimestamp(ctx.str('until'));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    for await (const e of b.events({ ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), filters: parseFilters(ctx) }, ac.signal)) {
      res.write(JSON.stringify(e) + '\n');
    }
    res.end();
  });
}
