import v8 from 'node:v8';
import { InvalidArgument } from '../../common/errors.js';
import type { EventMessage, SystemInfo, SystemVersion } from '../types/index.js';
import type { RequestContext } from '../context.js';
import { describe } from '../json-shape.js';
import type { Router } from '../router.js';
import { API_VERSION } from '../version.js';

/** Docker's filters: {"type": {"container": true}} or the legacy {"type": ["container"]}. */
export type Filters = Record<string, string[]>;

export function parseFilters(ctx: RequestContext): Filters {
  const raw = ctx.jsonQuery<unknown>('filters') ?? {};
  const bad = (why: string) => new InvalidArgument(`invalid filters ${JSON.stringify(ctx.str('filters'))}: ${why}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad(`want an object, got ${describe(raw)}`);
  const out: Filters = Object.create(null) as Filters;
  for (const [k, v] of Object.entries(raw as object)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'boolean')) {
      out[k] = Object.keys(v).filter((x) => (v as Record<string, boolean>)[x]);
    } else {
      throw bad(`"${k}" wants {"value": true, ...} or ["value", ...], got ${describe(v)}`);
    }
  }
  return out;
}

/**
 * The `until` filter of the prune endpoints, in Unix milliseconds. A value that is no timestamp is
 * refused: taken as no limit, it would prune everything.
 */
export function untilFilterMs(filters: Filters): number | undefined {
  const v = filters.until?.[0];
  if (v === undefined) return undefined;
  const ns = parseTimestamp(v, 'until filter');
  return ns === undefined ? undefined : Number(ns / 1_000_000n);
}

let linearRegExps = false;

/**
 * A filter's regular expression (docker ps --filter name=…), matched in linear time as Go's RE2
 * matches it: a backtracking pattern such as "(a+)+$" must not stall the daemon. V8's linear
 * engine takes what RE2 takes (no backreferences, no lookaround), and it is switched on here
 * before its first use.
 */
export function filterRegExp(pattern: string, filter: string): RegExp {
  if (!linearRegExps) {
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    linearRegExps = true;
  }
  try {
    return new RegExp(pattern, 'l');
  } catch (err) {
    throw new InvalidArgument(`invalid filter '${filter}=${pattern}': ${(err as Error).message}`);
  }
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

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("10m", "1h30m", "-5s") in milliseconds, or undefined. */
function parseGoDuration(v: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(v);
  if (!m) return undefined;
  let ms = 0;
  for (const [, n, unit] of m[2]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * DURATION_UNITS[unit!]!;
  return m[1] === '-' ? -ms : ms;
}

/**
 * Docker's timestamps (moby timetypes.GetTimestamp): seconds since the epoch ("1700000000",
 * "1700000000.123456789"), RFC 3339 or a prefix of it ("2024-01-02", "2024-01-02T15:04:05Z"), or
 * a Go duration back from now ("10m"). Anything else is the client's error; `name` is the field.
 */
export function parseTimestamp(v: string, name = 'timestamp'): bigint | undefined {
  if (!v) return undefined;
  const m = /^(\d{1,15})(?:\.(\d{1,9}))?$/.exec(v);
  if (m) return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  const duration = parseGoDuration(v);
  if (duration !== undefined && v !== '0') return BigInt(Math.round(Date.now() - duration)) * 1_000_000n;
  if (/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n;
  }
  throw new InvalidArgument(`invalid value for ${name}: "${v}": want seconds since the epoch, an RFC 3339 time or a duration`);
}

/** Bytes of events kept for a client that does not read them. */
const MAX_UNREAD_EVENTS = 1 << 20;

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
    const since = parseTimestamp(ctx.str('since'), 'since');
    const until = parseTimestamp(ctx.str('until'), 'until');
    const events = b.events({ ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), filters: parseFilters(ctx) }, ac.signal);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    for await (const e of events) {
      if (res.destroyed) break;
      // moby's publisher drops what a slow subscriber cannot take; so does Berth, past what the
      // connection holds, so that a client that never reads costs a bounded amount of memory.
      if (res.writableLength > MAX_UNREAD_EVENTS) continue;
      res.write(JSON.stringify(e) + '\n');
    }
    res.end();
  });
}
