import type { Socket } from 'node:net';
import { InvalidArgument } from '../../common/errors.js';
import type {
  ContainerCreateRequest, ContainerCreateResponse, ContainerInspect, ContainerPruneResponse, ContainerSummary,
  ContainerTopResponse, ContainerWaitResponse,
} from '../types/index.js';
import { MULTIPLEXED_STREAM, RAW_STREAM } from '../types/index.js';
import type { RequestContext } from '../context.js';
import type { Router } from '../router.js';
import { compareVersions } from '../version.js';
import { parseFilters, parseTimestamp, type Filters } from './system.js';

export interface LogsQuery {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  since?: bigint;
  until?: bigint;
  timestamps: boolean;
  /** -1: all */
  tail: number;
}

export interface AttachQuery {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  stream: boolean;
  logs: boolean;
  detachKeys: string;
}

export interface ContainersBackend {
  create(name: string, body: ContainerCreateRequest): Promise<ContainerCreateResponse>;
  start(ref: string): Promise<void>;
  stop(ref: string, opts: { timeout?: number; signal?: string }): Promise<void>;
  restart(ref: string, opts: { timeout?: number }): Promise<void>;
  kill(ref: string, signal: string): Promise<void>;
  remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void>;
  list(opts: { all: boolean; limit: number; size: boolean; filters: Filters }): Promise<ContainerSummary[]>;
  inspect(ref: string, size: boolean): Promise<ContainerInspect>;
  /** Whether the container has a TTY (its streams are raw then); throws NotFound. */
  tty(ref: string): boolean;
  logs(ref: string, q: LogsQuery, signal: AbortSignal): AsyncIterable<Buffer>;
  attach(ref: string, socket: Socket, q: AttachQuery): Promise<void>;
  wait(ref: string, condition: string, signal: AbortSignal): Promise<ContainerWaitResponse>;
  resize(ref: string, rows: number, cols: number): void;
  top(ref: string, psArgs: string): Promise<ContainerTopResponse>;
  rename(ref: string, name: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  prune(filters: Filters): Promise<ContainerPruneResponse>;
}

/** Docker's stream content type: multiplexed (no TTY) is announced from API 1.42. */
export function streamContentType(tty: boolean, version: string): string {
  return !tty && compareVersions(version, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

function optionalInt(ctx: RequestContext, name: string): number | undefined {
  const v = ctx.str(name);
  return v === '' ? undefined : ctx.int(name, 0);
}

export function containerRoutes(r: Router, b: ContainersBackend): void {
  r.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.json<ContainerCreateRequest | null>(null);
    if (!body || typeof body !== 'object') throw new InvalidArgument('config cannot be empty in order to create a container');
    ctx.sendJson(201, await b.create(ctx.str('name'), body));
  });
  r.add('GET', '/containers/json', async (ctx) => {
    ctx.sendJson(200, await b.list({ all: ctx.bool('all'), limit: ctx.int('limit', -1), size: ctx.bool('size'), filters: parseFilters(ctx) }));
  });
  r.add('POST', '/containers/prune', async (ctx) => ctx.sendJson(200, await b.prune(parseFilters(ctx))));
  r.add('GET', '/containers/{id}/json', async (ctx) => ctx.sendJson(200, await b.inspect(ctx.param('id'), ctx.bool('size'))));
  r.add('POST', '/containers/{id}/start', async (ctx) => {
    await b.start(ctx.param('id'));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/stop', async (ctx) => {
    const timeout = optionalInt(ctx, 't');
    const signal = ctx.str('signal');
    await b.stop(ctx.param('id'), { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/restart', async (ctx) => {
    const timeout = optionalInt(ctx, 't');
    await b.restart(ctx.param('id'), timeout !== undefined ? { timeout } : {});
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/kill', async (ctx) => {
    await b.kill(ctx.param('id'), ctx.str('signal', 'KILL') || 'KILL');
    ctx.noContent();
  });
  r.add('DELETE', '/containers/{id}', async (ctx) => {
    await b.remove(ctx.param('id'), { force: ctx.bool('force'), volumes: ctx.bool('v') });
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/rename', async (ctx) => {
    await b.rename(ctx.param('id'), ctx.str('name'));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/pause', async (ctx) => {
    await b.pause(ctx.param('id'));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await b.unpause(ctx.param('id'));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/resize', (ctx) => {
    b.resize(ctx.param('id'), ctx.int('h', 0), ctx.int('w', 0));
    ctx.noContent(200);
  });
  r.add('GET', '/containers/{id}/top', async (ctx) => ctx.sendJson(200, await b.top(ctx.param('id'), ctx.str('ps_args'))));
  r.add('POST', '/containers/{id}/wait', async (ctx) => {
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    // Waiting starts now; the answer's head goes out at once, as clients wait for it before they start.
    const result = b.wait(ctx.param('id'), ctx.str('condition') || 'not-running', ac.signal);
    await Promise.race([result, new Promise((r) => setImmediate(r))]);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    try {
      res.end(JSON.stringify(await result));
    } catch (err) {
      res.end(JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } }));
    }
  });
  r.add('GET', '/containers/{id}/logs', async (ctx) => {
    const ref = ctx.param('id');
    const stdout = ctx.bool('stdout');
    const stderr = ctx.bool('stderr');
    if (!stdout && !stderr) throw new InvalidArgument('Bad parameters: you must choose at least one stream');
    const tty = b.tty(ref);
    const tailRaw = ctx.str('tail', 'all');
    const tail = tailRaw === 'all' || tailRaw === '' ? -1 : Number(tailRaw);
    if (!Number.isInteger(tail)) throw new InvalidArgument(`invalid value for tail: "${tailRaw}"`);
    const since = parseTimestamp(ctx.str('since'));
    const until = parseTimestamp(ctx.str('until'));
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const chunks = b.logs(ref, {
      follow: ctx.bool('follow'), stdout, stderr, timestamps: ctx.bool('timestamps'), tail: tail < 0 ? -1 : tail,
      ...(since ? { since } : {}), ...(until ? { until } : {}),
    }, ac.signal);
    res.writeHead(200, { 'Content-Type': streamContentType(tty, ctx.version) });
    res.flushHeaders();
    for await (const c of chunks) {
      if (!res.write(c)) await new Promise((r) => res.once('drain', r));
      if (ac.signal.aborted) break;
    }
    res.end();
  });
  r.add('POST', '/containers/{id}/attach', async (ctx) => {
    const ref = ctx.param('id');
    const tty = b.tty(ref);
    const q: AttachQuery = {
      stdin: ctx.bool('stdin'), stdout: ctx.bool('stdout'), stderr: ctx.bool('stderr'),
      stream: ctx.bool('stream'), logs: ctx.bool('logs'), detachKeys: ctx.str('detachKeys'),
    };
    const socket = await ctx.hijack(streamContentType(tty, ctx.version));
    await b.attach(ref, socket, q);
  }, { hijack: true });
}
