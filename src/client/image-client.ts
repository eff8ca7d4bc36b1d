import type { Readable } from 'node:stream';
import type {
  AuthConfig,
  AuthResponse,
  DiskUsage,
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspect,
  ImagePruneResponse,
  ImageSummary,
  JSONMessage,
} from '../api/types/index.js';
import type { EngineConnection } from './engine-connection.js';
import { encodeFilters, type Filters } from './filters.js';
import { readJsonMessages } from './read-json-messages.js';
import { escapePath } from './to-query-string.js';

export interface ImageImportOptions {
  /** The tarball; streamed as the request body (`fromSrc=-`). */
  source: Readable;
  repo?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config (`ENV A=1`, `CMD ["sh"]`). */
  changes?: string[];
  message?: string;
  platform?: string;
}

export interface ImageBuildOptions {
  tags?: string[];
  /** The Dockerfile's path inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  rm?: boolean;
  forceRm?: boolean;
  networkMode?: string;
}

/** base64 of `{}`: what docker sends when it has no credentials for the registry. */
const ANONYMOUS_AUTH = 'e30=';

/** /images endpoints. */
export class ImageClient {
  private readonly conn: EngineConnection;

  constructor(conn: EngineConnection) {
    this.conn = conn;
  }

  list(options: { all?: boolean; filters?: Filters; digests?: boolean } = {}): Promise<ImageSummary[]> {
    return this.conn.callJson('GET', '/images/json', {
      query: { all: options.all, digests: options.digests, filters: encodeFilters(options.filters) },
    });
  }

  inspect(name: string): Promise<ImageInspect> {
    return this.conn.callJson('GET', `/images/${escapePath(name)}/json`);
  }

  inspectRaw(name: string): Promise<string> {
    return this.conn.callText('GET', `/images/${escapePath(name)}/json`);
  }

  remove(name: string, options: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteResponseItem[]> {
    return this.conn.callJson('DELETE', `/images/${escapePath(name)}`, {
      query: { force: options.force, noprune: options.noPrune },
    });
  }

  tag(name: string, target: { repo: string; tag?: string }): Promise<void> {
    return this.conn.callVoid('POST', `/images/${escapePath(name)}/tag`, {
      query: { repo: target.repo, tag: target.tag || undefined },
    });
  }

  prune(options: { filters?: Filters } = {}): Promise<ImagePruneResponse> {
    return this.conn.callJson('POST', '/images/prune', { query: { filters: encodeFilters(options.filters) } });
  }

  /** Import a root filesystem tarball; yields the daemon's progress messages. */
  async *import(options: ImageImportOptions): AsyncGenerator<JSONMessage> {
    const reply = await this.conn.call('POST', '/images/create', {
      query: {
        changes: options.changes && options.changes.length > 0 ? options.changes : undefined,
        fromSrc: '-',
        message: options.message || undefined,
        platform: options.platform || undefined,
        repo: options.repo || undefined,
        tag: options.tag || undefined,
      },
      body: options.source,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    yield* readJsonMessages(reply);
  }

  /** Push `name` (with `tag`, or every tag of the repository when it is empty); yields progress messages. */
  async *push(name: string, options: { tag?: string; registryAuth?: string } = {}): AsyncGenerator<JSONMessage> {
    const reply = await this.conn.call('POST', `/images/${escapePath(name)}/push`, {
      query: { tag: options.tag || undefined },
      headers: { 'X-Registry-Auth': options.registryAuth ?? ANONYMOUS_AUTH },
    });
    yield* readJsonMessages(reply);
  }

  history(name: string): Promise<HistoryResponseItem[]> {
    return this.conn.callJson('GET', `/images/${escapePath(name)}/history`);
  }

  /** `docker save`: the archive of the named images, as a stream. */
  save(names: string[]): Promise<Readable> {
    return this.conn.call('GET', '/images/get', { query: { names } });
  }

  /** `docker build` with the classic builder: streams the context tar in; yields the build messages. */
  async *build(context: Readable, options: ImageBuildOptions = {}): AsyncGenerator<JSONMessage> {
    const json = (v: Record<string, unknown> | undefined) => (v && Object.keys(v).length ? JSON.stringify(v) : undefined);
    const reply = await this.conn.call('POST', '/build', {
      query: {
        t: options.tags && options.tags.length ? options.tags : undefined,
        dockerfile: options.dockerfile || undefined,
        buildargs: json(options.buildArgs),
        labels: json(options.labels),
        target: options.target || undefined,
        nocache: options.noCache ? '1' : undefined,
        pull: options.pull ? '1' : undefined,
        q: options.quiet ? '1' : undefined,
        rm: options.rm === false ? '0' : '1',
        forcerm: options.forceRm ? '1' : undefined,
        networkmode: options.networkMode || undefined,
      },
      body: context,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    yield* readJsonMessages(reply);
  }

  /** `docker builder prune`. */
  buildPrune(): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.conn.callJson('POST', '/build/prune');
  }

  /** `docker load`: streams an archive in; yields the daemon's messages. */
  async *load(source: Readable, options: { quiet?: boolean } = {}): AsyncGenerator<JSONMessage> {
    const reply = await this.conn.call('POST', '/images/load', {
      query: { quiet: options.quiet ? '1' : undefined },
      body: source,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    yield* readJsonMessages(reply);
  }

  /** `docker commit`: a new image from a container's changes; resolves with its id. */
  commit(container: string, options: { repo?: string; tag?: string; comment?: string; author?: string; pause?: boolean; changes?: string[] } = {}): Promise<{ Id: string }> {
    return this.conn.callJson('POST', '/commit', {
      query: {
        container, repo: options.repo || undefined, tag: options.tag || undefined, comment: options.comment || undefined,
        author: options.author || undefined, pause: options.pause === false ? '0' : undefined,
        changes: options.changes && options.changes.length > 0 ? options.changes : undefined,
      },
    });
  }

  /** `docker export`: the container's filesystem as a tar stream. */
  export(container: string): Promise<Readable> {
    return this.conn.call('GET', `/containers/${escapePath(container)}/export`);
  }

  /** GET /system/df. */
  diskUsage(): Promise<DiskUsage> {
    return this.conn.callJson('GET', '/system/df');
  }

  /** POST /auth: the daemon checks the credentials against the registry. */
  login(auth: AuthConfig): Promise<AuthResponse> {
    return this.conn.callJson('POST', '/auth', { json: auth });
  }

  /** Pull `fromImage:tag` through the daemon; yields progress messages. */
  async *pull(fromImage: string, options: { tag?: string; platform?: string; registryAuth?: string } = {}): AsyncGenerator<JSONMessage> {
    const reply = await this.conn.call('POST', '/images/create', {
      query: { fromImage, tag: options.tag || undefined, platform: options.platform || undefined },
      headers: { 'X-Registry-Auth': options.registryAuth ?? ANONYMOUS_AUTH },
    });
    yield* readJsonMessages(reply);
  }
}
