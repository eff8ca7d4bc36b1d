import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { InvalidArgument } from '../../common/errors.js';
import { checkContainerCreate, isSignal } from '../container-create-check.js';
import { parseDetachKeys } from '../detach-keys.js';
import { writeWithBackpressure } from '../write-with-backpressure.js';
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

/**
 * A stop timeout in seconds: negative waits for ever (as in moby); past what a timer can hold
 * (about 24 days), it is as good as for ever too.
 */
function stopTimeout(ctx: RequestContext): number | undefined {
  if (ctx.str('t') === '') return undefined;
  const t = ctx.int('t', 0);
  return t < 0 || t > 2_147_483 ? -1 : t;
}

/** A terminal side for resize: moby parses it as a 16-bit unsigned integer. */
function terminalSide(ctx: RequestContext, name: string): number {
  return ctx.int(name, 0, { min: 0, max: 65535 });
}

function signalParam(ctx: RequestContext, fallback: string): string {
  const s = ctx.str('signal') || fallback;
  if (s && !isSignal(s)) throw new InvalidArgument(`Invalid signal: ${s}`);
  return s;
}

/** docker logs --tail: "all", or a number of lines (negative: all). */
function tailParam(ctx: RequestContext): number {
  const raw = ctx.str('tail', 'all');
  if (raw === 'all' || raw === '') return -1;
  const n = /^[+-]?\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgument(`invalid value for tail: "${raw}"`);
  return n < 0 ? -1 : n;
}

const hostCpus = availableParallelism();

export function containerRoutes(r: Router, b: ContainersBackend): void {
  r.add('POST', '/containers/create', async (ctx) => {
    const body = await ctx.jsonObject();
    if (!body) throw new InvalidArgument('config cannot be empty in order to create a container');
    checkContainerCreate(body, { cpus: hostCpus });
    ctx.sendJson(201, await b.create(ctx.str('name'), body as ContainerCreateRequest));
  });
  r.add('GET', '/containers/json', async (ctx) => {
    ctx.sendJson(200, await b.list({ all: ctx.bool('all'), limit: ctx.int('limit', -1, { min: -1 }), size: ctx.bool('size'), filters: parseFilters(ctx) }));
  });
  r.add('POST', '/containers/prune', async (ctx) => ctx.sendJson(200, await b.prune(parseFilters(ctx))));
  r.add('GET', '/containers/{id}/json', async (ctx) => ctx.sendJson(200, await b.inspect(ctx.param('id'), ctx.bool('size'))));
  r.add('POST', '/containers/{id}/start', async (ctx) => {
    await b.start(ctx.param('id'));
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/stop', async (ctx) => {
    const timeout = stopTimeout(ctx);
    const signal = signalParam(ctx, '');
    await b.stop(ctx.param('id'), { ...(timeout !== undefined ? { timeout } : {}), ...(signal ? { signal } : {}) });
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/restart', async (ctx) => {
    const timeout = stopTimeout(ctx);
    await b.restart(ctx.param('id'), timeout !== undefined ? { timeout } : {});
    ctx.noContent();
  });
  r.add('POST', '/containers/{id}/kill', async (ctx) => {
    await b.kill(ctx.param('id'), signalParam(ctx, 'KILL'));
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
    b.resize(ctx.param('id'), terminalSide(ctx, 'h'), terminalSide(ctx, 'w'));
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
    const tail = tailParam(ctx);
    const since = parseTimestamp(ctx.str('since'), 'since');
    const until = parseTimestamp(ctx.str('until'), 'until');
    const res = ctx.res!;
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const chunks = b.logs(ref, {
      follow: ctx.bool('follow'), stdout, stderr, timestamps: ctx.bool('timestamps'), tail,
      ...(since ? { since } : {}), ...(until ? { until } : {}),
    }, ac.signal);
    res.writeHead(200, { 'Content-Type': streamContentType(tty, ctx.version) });
    res.flushHeaders();
    for await (const c of chunks) {
      if (!(await writeWithBackpressure(res, c)) || ac.signal.aborted) break;
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
    // Refused while an answer can still say why: after the upgrade only the stream is left.
    parseDetachKeys(q.detachKeys);
    const socket = await ctx.hijack(streamContentType(tty, ctx.version));
    await b.attach(ref, socket, q);
  }, { hijack: true });
}
