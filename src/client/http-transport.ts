import http from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { errnoCode } from '../common/errors.js';
import { DaemonUnreachable } from './api-error.js';
import type { DaemonAddress } from './daemon-address.js';
import type { HijackedConnection } from './hijacked-connection.js';

export interface TransportRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  signal?: AbortSignal;
  /** Called once the whole request has been handed to the socket. */
  onSent?: () => void;
}

/** The socket exists but we may not use it (docker's wording). */
export class DaemonPermissionDenied extends Error {
  constructor(hostUrl: string, options?: { cause?: unknown }) {
    super(
      `permission denied while trying to connect to the Docker daemon socket at ${hostUrl}: ${(options?.cause as Error | undefined)?.message ?? 'permission denied'}`,
      options,
    );
    this.name = 'DaemonPermissionDenied';
  }
}

const USER_AGENT = 'Berth-Client/0.1.0 (linux)';

/**
 * HTTP/1.1 to the daemon over a unix socket or TCP. Plain requests share a keep-alive agent;
 * hijacked ones get a socket of their own because it never goes back to the pool.
 */
export class HttpTransport {
  readonly address: DaemonAddress;
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(address: DaemonAddress) {
    this.address = address;
  }

  /** Send a request; resolves with the reply whatever its status. */
  send(request: TransportRequest): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request(this.requestOptions(request, this.agent));
      if (request.onSent) req.on('finish', request.onSent);
      req.on('response', resolve);
      req.on('error', (err) => reject(this.mapError(err)));
      writeBody(req, request.body);
    });
  }

  /**
   * Send a request that takes over the connection (attach, exec start). The daemon answers
   * `101 UPGRADED`; an older daemon may answer `200` and hijack all the same, in which case the
   * reply body is the stream. Any other status resolves `reply` so the caller can read the error.
   */
  upgrade(request: TransportRequest): Promise<{ connection: HijackedConnection } | { reply: http.IncomingMessage }> {
    const headers = { Connection: 'Upgrade', Upgrade: 'tcp', ...request.headers };
    return new Promise((resolve, reject) => {
      const req = http.request(this.requestOptions({ ...request, headers }, false));
      req.on('upgrade', (res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve({ connection: socketConnection(socket, socket, contentTypeOf(res)) });
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300 && req.socket) {
          resolve({ connection: socketConnection(res, req.socket, contentTypeOf(res)) });
        } else {
          resolve({ reply: res });
        }
      });
      req.on('error', (err) => reject(this.mapError(err)));
      writeBody(req, request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private requestOptions(request: TransportRequest, agent: http.Agent | false): http.RequestOptions {
    const base: http.RequestOptions = {
      method: request.method,
      path: request.path,
      agent,
      signal: request.signal,
      headers: { 'User-Agent': USER_AGENT, ...request.headers },
    };
    if (this.address.kind === 'unix') {
      // docker uses this placeholder host for socket connections; some proxies route on it
      return { ...base, socketPath: this.address.socketPath, headers: { Host: 'api.moby.localhost', ...base.headers } };
    }
    return { ...base, host: this.address.host, port: this.address.port };
  }

  private mapError(err: Error): Error {
    const code = errnoCode(err);
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTDIR') {
      return new DaemonUnreachable(this.address.url, { cause: err });
    }
    if (code === 'EACCES' || code === 'EPERM') return new DaemonPermissionDenied(this.address.url, { cause: err });
    return err;
  }
}

function contentTypeOf(res: http.IncomingMessage): string | undefined {
  const value = res.headers['content-type'];
  return Array.isArray(value) ? value[0] : value;
}

function writeBody(req: http.ClientRequest, body: TransportRequest['body']): void {
  if (body === undefined) {
    req.end();
  } else if (body instanceof Readable) {
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  } else {
    req.setHeader('Content-Length', Buffer.byteLength(body));
    req.end(body);
  }
}

function socketConnection(output: Readable, socket: Socket, contentType: string | undefined): HijackedConnection {
  return {
    output,
    contentType,
    write: (chunk) => socket.write(chunk),
    drain: () =>
      new Promise((resolve) => {
        if (!socket.writableNeedDrain) resolve();
        else socket.once('drain', () => resolve());
      }),
    closeWrite: () => {
      if (!socket.destroyed && !socket.writableEnded) socket.end();
    },
    destroy: () => {
      socket.destroy();
      if (output !== socket) output.destroy();
    },
  };
}
