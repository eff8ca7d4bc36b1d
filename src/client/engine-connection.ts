import type http from 'node:http';
import type { Readable } from 'node:stream';
import { apiErrorFromBody } from './api-error.js';
import { negotiateApiVersion } from './api-version.js';
import type { HijackedConnection } from './hijacked-connection.js';
import { HttpTransport } from './http-transport.js';
import { type QueryParams, toQueryString } from './to-query-string.js';

export interface CallOptions {
  query?: QueryParams;
  /** A JSON body (serialized here), or raw bytes / a stream sent as-is. */
  json?: unknown;
  body?: Buffer | Readable;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  onSent?: () => void;
}

/** What `/_ping` reports in its headers. */
export interface PingResult {
  apiVersion: string | undefined;
  osType: string | undefined;
  experimental: boolean;
  builderVersion: string | undefined;
  swarm: string | undefined;
}

/**
 * One daemon connection with the API version negotiated the way the docker CLI does it: the
 * first call pings (`HEAD /_ping`, then `GET` if HEAD fails), and every versioned path is prefixed
 * with `/v<min(ours, daemon's)>`. A pinned version (`DOCKER_API_VERSION`) skips the ping.
 */
export class EngineConnection {
  readonly transport: HttpTransport;
  private versionPromise: Promise<string> | undefined;

  constructor(transport: HttpTransport, options: { apiVersion?: string } = {}) {
    this.transport = transport;
    if (options.apiVersion) this.versionPromise = Promise.resolve(options.apiVersion);
  }

  /** The negotiated API version (pings on first use). */
  apiVersion(): Promise<string> {
    this.versionPromise ??= this.ping().then((p) => negotiateApiVersion(p.apiVersion));
    // a failed negotiation must not be cached, or a later retry would never reach the daemon
    this.versionPromise.catch(() => {
      this.versionPromise = undefined;
    });
    return this.versionPromise;
  }

  async ping(): Promise<PingResult> {
    let reply = await this.transport.send({ method: 'HEAD', path: '/_ping' });
    reply.resume();
    if ((reply.statusCode ?? 500) >= 400) {
      reply = await this.transport.send({ method: 'GET', path: '/_ping' });
      if ((reply.statusCode ?? 500) >= 400) throw apiErrorFromBody(reply.statusCode ?? 500, await readText(reply));
      reply.resume();
    }
    const header = (name: string) => {
      const v = reply.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    return {
      apiVersion: header('api-version'),
      osType: header('ostype'),
      experimental: header('docker-experimental') === 'true',
      builderVersion: header('builder-version'),
      swarm: header('swarm'),
    };
  }

  /**
   * Send a request and return the reply; a 4xx/5xx status becomes an ApiError. 304 (already
   * started, already stopped) is success, as in the docker client.
   */
  async call(method: string, path: string, options: CallOptions = {}): Promise<http.IncomingMessage> {
    const reply = await this.transport.send(await this.request(method, path, options));
    const status = reply.statusCode ?? 500;
    if (status < 200 || status >= 400) throw apiErrorFromBody(status, await readText(reply));
    return reply;
  }

  /** Call and parse the JSON reply; an empty body (204) gives undefined. */
  async callJson<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const text = await readText(await this.call(method, path, options));
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Call and return the reply body as raw JSON text (inspect prints it as the daemon sent it). */
  async callText(method: string, path: string, options: CallOptions = {}): Promise<string> {
    return readText(await this.call(method, path, options));
  }

  /** Call and discard the reply body. */
  async callVoid(method: string, path: string, options: CallOptions = {}): Promise<void> {
    (await this.call(method, path, options)).resume();
  }

  /** Send a hijacking request (attach, exec start). */
  async hijack(method: string, path: string, options: CallOptions = {}): Promise<HijackedConnection> {
    const request = await this.request(method, path, options);
    if (options.json === undefined && options.body === undefined) {
      request.headers = { 'Content-Type': 'text/plain', ...request.headers };
    }
    const result = await this.transport.upgrade(request);
    if ('reply' in result) throw apiErrorFromBody(result.reply.statusCode ?? 500, await readText(result.reply));
    return result.connection;
  }

  close(): void {
    this.transport.close();
  }

  private async request(method: string, path: string, options: CallOptions) {
    const version = await this.apiVersion();
    const headers: Record<string, string> = { ...options.headers };
    let body: Buffer | Readable | string | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] ??= 'application/json';
    }
    return {
      method,
      path: `/v${version}${path}${toQueryString(options.query)}`,
      headers,
      body: body ?? (method === 'POST' ? '' : undefined),
      signal: options.signal,
      onSent: options.onSent,
    };
  }
}

export async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
