import type { Readable } from 'node:stream';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerUpdateRequest,
  ContainerWaitResponse,
  ContainerPathStat,
  FilesystemChange,
} from '../api/types/index.js';
import { PATH_STAT_HEADER } from '../api/types/index.js';
import { isApiVersionAtLeast } from './api-version.js';
import type { EngineConnection } from './engine-connection.js';
import { encodeFilters, type Filters } from './filters.js';
import type { HijackedConnection } from './hijacked-connection.js';
import { escapePath } from './to-query-string.js';

function decodePathStat(header: string | string[] | undefined): ContainerPathStat {
  const text = Buffer.from(String(header ?? ''), 'base64').toString('utf8');
  try {
    return JSON.parse(text) as ContainerPathStat;
  } catch {
    throw new Error(`the daemon sent no valid ${PATH_STAT_HEADER} header`);
  }
}

export interface ContainerListOptions {
  all?: boolean;
  size?: boolean;
  limit?: number;
  filters?: Filters;
}

export interface ContainerLogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  /** Unix time (`1700000000` or `1700000000.000000001`) as the daemon takes it. */
  since?: string;
  until?: string;
  tail?: string;
  timestamps?: boolean;
  details?: boolean;
  signal?: AbortSignal;
}

export interface ContainerAttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed' | '';

/**
 * A wait in flight. `registered` resolves once the daemon has (very probably) taken the request:
 * when the reply headers arrive (moby sends them at once) or, for a daemon that holds them back,
 * shortly after the request left. Callers start the container only after that, so a fast exit
 * cannot slip past a `next-exit` wait.
 */
export interface ContainerWait {
  registered: Promise<void>;
  result: Promise<ContainerWaitResponse>;
}

const WAIT_GRACE_MS = 250;

/** /containers endpoints. Ids may be names, ids or id prefixes, as the daemon resolves them. */
export class ContainerClient {
  private readonly conn: EngineConnection;

  constructor(conn: EngineConnection) {
    this.conn = conn;
  }

  create(body: ContainerCreateRequest, options: { name?: string; platform?: string } = {}): Promise<ContainerCreateResponse> {
    return this.conn.callJson('POST', '/containers/create', {
      query: { name: options.name || undefined, platform: options.platform || undefined },
      json: body,
    });
  }

  start(id: string, options: { detachKeys?: string } = {}): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/start`, {
      query: { detachKeys: options.detachKeys || undefined },
    });
  }

  async stop(id: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/stop`, { query: await this.stopQuery(options) });
  }

  async restart(id: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/restart`, { query: await this.stopQuery(options) });
  }

  kill(id: string, options: { signal?: string } = {}): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/kill`, { query: { signal: options.signal || undefined } });
  }

  remove(id: string, options: { force?: boolean; volumes?: boolean; link?: boolean } = {}): Promise<void> {
    return this.conn.callVoid('DELETE', `/containers/${escapePath(id)}`, {
      query: { force: options.force, v: options.volumes, link: options.link },
    });
  }

  list(options: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return this.conn.callJson('GET', '/containers/json', {
      query: {
        all: options.all,
        size: options.size,
        limit: options.limit !== undefined && options.limit > 0 ? options.limit : undefined,
        filters: encodeFilters(options.filters),
      },
    });
  }

  inspect(id: string, options: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.conn.callJson('GET', `/containers/${escapePath(id)}/json`, { query: { size: options.size } });
  }

  /** The inspect reply exactly as the daemon sent it. */
  inspectRaw(id: string, options: { size?: boolean } = {}): Promise<string> {
    return this.conn.callText('GET', `/containers/${escapePath(id)}/json`, { query: { size: options.size } });
  }

  /** The log stream; multiplexed unless the container has a TTY. */
  logs(id: string, options: ContainerLogsOptions): Promise<Readable> {
    return this.conn.call('GET', `/containers/${escapePath(id)}/logs`, {
      query: {
        follow: options.follow,
        since: options.since || undefined,
        until: options.until || undefined,
        stderr: options.stderr,
        stdout: options.stdout,
        tail: options.tail || undefined,
        timestamps: options.timestamps,
        details: options.details,
      },
      signal: options.signal,
    });
  }

  attach(id: string, options: ContainerAttachOptions): Promise<HijackedConnection> {
    return this.conn.hijack('POST', `/containers/${escapePath(id)}/attach`, {
      query: {
        detachKeys: options.detachKeys || undefined,
        logs: options.logs,
        stderr: options.stderr,
        stdin: options.stdin,
        stdout: options.stdout,
        stream: options.stream,
      },
    });
  }

  wait(id: string, options: { condition?: WaitCondition; signal?: AbortSignal } = {}): ContainerWait {
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    const reply = this.conn.call('POST', `/containers/${escapePath(id)}/wait`, {
      query: { condition: options.condition || undefined },
      signal: options.signal,
      onSent: markSent,
    });
    const registered = Promise.race([
      reply.then(() => undefined),
      sent.then(() => new Promise<void>((resolve) => setTimeout(resolve, WAIT_GRACE_MS).unref())),
    ]);
    const result = reply.then(async (r) => {
      const chunks: Buffer[] = [];
      for await (const c of r) chunks.push(c as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ContainerWaitResponse;
    });
    // the caller may only look at `result`; keep a failed `registered` from going unhandled
    registered.catch(() => {});
    return { registered, result };
  }

  resize(id: string, size: { height: number; width: number }): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/resize`, { query: { h: size.height, w: size.width } });
  }

  top(id: string, options: { psArgs?: string } = {}): Promise<ContainerTopResponse> {
    return this.conn.callJson('GET', `/containers/${escapePath(id)}/top`, { query: { ps_args: options.psArgs || undefined } });
  }

  /**
   * The stats reply: newline-separated ContainerStatsResponse values, one a second while
   * `stream` is on, else one (carrying a CPU delta over a second).
   */
  stats(id: string, options: { stream: boolean; signal?: AbortSignal }): Promise<Readable> {
    return this.conn.call('GET', `/containers/${escapePath(id)}/stats`, { query: { stream: options.stream ? '1' : '0' }, signal: options.signal });
  }

  update(id: string, body: ContainerUpdateRequest): Promise<{ Warnings: string[] | null }> {
    return this.conn.callJson('POST', `/containers/${escapePath(id)}/update`, { json: body });
  }

  rename(id: string, name: string): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/rename`, { query: { name } });
  }

  pause(id: string): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/pause`);
  }

  unpause(id: string): Promise<void> {
    return this.conn.callVoid('POST', `/containers/${escapePath(id)}/unpause`);
  }

  prune(options: { filters?: Filters } = {}): Promise<ContainerPruneResponse> {
    return this.conn.callJson('POST', '/containers/prune', { query: { filters: encodeFilters(options.filters) } });
  }

  /** HEAD /containers/{id}/archive: what is at `path` (a symlink is not followed); throws when missing. */
  async statPath(id: string, path: string): Promise<ContainerPathStat> {
    const reply = await this.conn.call('HEAD', `/containers/${escapePath(id)}/archive`, { query: { path } });
    reply.resume();
    return decodePathStat(reply.headers[PATH_STAT_HEADER.toLowerCase()]);
  }

  /** GET /containers/{id}/archive: a tar of `path`, and its stat. */
  async getArchive(id: string, path: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
    const reply = await this.conn.call('GET', `/containers/${escapePath(id)}/archive`, { query: { path } });
    return { stat: decodePathStat(reply.headers[PATH_STAT_HEADER.toLowerCase()]), tar: reply };
  }

  /** PUT /containers/{id}/archive: extracts a tar into the directory `path`. */
  putArchive(id: string, path: string, tar: Readable, options: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    return this.conn.callVoid('PUT', `/containers/${escapePath(id)}/archive`, {
      query: { path, noOverwriteDirNonDir: options.noOverwriteDirNonDir ? 'true' : undefined, copyUIDGID: options.copyUIDGID ? 'true' : undefined },
      body: tar,
      headers: { 'Content-Type': 'application/x-tar' },
    });
  }

  async changes(id: string): Promise<FilesystemChange[]> {
    return (await this.conn.callJson<FilesystemChange[] | null>('GET', `/containers/${escapePath(id)}/changes`)) ?? [];
  }

  /** `t` is sent as given (including 0); `signal` only from API 1.42, which introduced it. */
  private async stopQuery(options: { timeout?: number; signal?: string }) {
    const version = await this.conn.apiVersion();
    return {
      t: options.timeout !== undefined ? String(options.timeout) : undefined,
      signal: options.signal && isApiVersionAtLeast(version, '1.42') ? options.signal : undefined,
    };
  }
}
