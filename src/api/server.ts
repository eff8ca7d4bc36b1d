import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { chmod, chown, mkdir, unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { NotFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { DEFAULT_LIMITS, RequestContext, type RequestLimits } from './context.js';
import { HttpError, messageOfError, statusOf, statusText } from './errors.js';
import type { Router } from './router.js';
import { API_VERSION, splitVersion } from './version.js';

const SERVER = 'Berth/0.1.0 (linux)';

function commonHeaders(version: string): Record<string, string> {
  return { 'Api-Version': version, 'Docker-Experimental': 'false', Ostype: 'linux', Server: SERVER };
}

/** TLS for TCP listeners: dockerd's --tls (encryption only) and --tlsverify (client certificates). */
export interface TlsServerOptions {
  key: Buffer;
  cert: Buffer;
  /** The CA that signs client certificates; needed with `verifyClients`. */
  ca?: Buffer;
  verifyClients: boolean;
}

export interface ListenOptions {
  /** Serves TCP addresses over TLS. UNIX sockets never use TLS: their mode and group guard them. */
  tls?: TlsServerOptions;
  /** The group that owns UNIX sockets (mode 0660); undefined: the daemon's own group. */
  socketGid?: number;
}

export interface ApiServerOptions {
  /** Time a client has to send a request's headers (Node's headersTimeout). */
  headersTimeoutMs?: number;
  limits?: Partial<RequestLimits>;
}

/** A listen address split as dockerd reads it. */
export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses "unix:///path" or "tcp://host:port" ("tcp://:2376", "tcp://[::1]:2376"); the port defaults by TLS. */
export function parseListenAddress(addr: string, tls: boolean): ListenAddress {
  if (addr.startsWith('unix://')) {
    const path = addr.slice('unix://'.length);
    if (!path.startsWith('/')) throw new Error(`invalid listen address "${addr}": the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]*)(?::(\d{1,5}))?\/?$/.exec(addr);
  if (!m) throw new Error(`invalid listen address "${addr}": use unix:///path or tcp://host:port`);
  const port = m[2] ? Number(m[2]) : tls ? 2376 : 2375;
  if (port > 65535) throw new Error(`invalid listen address "${addr}": port out of range`);
  const host = m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { kind: 'tcp', host, port };
}

/**
 * Closes a connection whose request was refused before its body was read (413, 408). Closing at
 * once with unread input makes the kernel reset the connection, and a client still sending would
 * lose the answer; so the write side ends, input is read and dropped for a moment, then it goes
 * (Go's net/http does the same). Node calls destroySoon() when a "Connection: close" answer ends.
 */
function closeAfterAnswer(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    this.resume();
    const t = setTimeout(() => this.destroy(), 2000);
    t.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(t));
  };
}

/** Serves the Engine API on UNIX sockets and TCP addresses. */
export class ApiServer {
  private servers: Server[] = [];
  private sockets = new Set<Socket>();
  private readonly limits: RequestLimits;
  private readonly headersTimeoutMs: number;

  constructor(private readonly router: Router, private readonly log: Logger, o: ApiServerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.headersTimeoutMs = o.headersTimeoutMs ?? 10_000;
  }

  /** Listens on "unix:///path" or "tcp://host:port" addresses. */
  async listen(addresses: string[], o: ListenOptions = {}): Promise<void> {
    for (const addr of addresses) {
      const where = parseListenAddress(addr, o.tls !== undefined);
      const server = this.createServer(where.kind === 'tcp' ? o.tls : undefined);
      if (where.kind === 'unix') {
        await mkdir(dirname(where.path), { recursive: true, mode: 0o755 });
        await unlink(where.path).catch(() => {});
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(where.path, () => resolve()));
        if (o.socketGid !== undefined) await chown(where.path, process.getuid?.() ?? 0, o.socketGid);
        await chmod(where.path, 0o660);
      } else {
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(where.port, where.host, () => resolve()));
      }
      this.servers.push(server);
      this.log.info('API listening', { address: addr, ...(where.kind === 'tcp' ? { tls: o.tls ? (o.tls.verifyClients ? 'verify' : 'encrypt') : 'none' } : {}) });
    }
  }

  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    for (const s of this.sockets) s.destroy();
    this.servers = [];
  }

  private createServer(tls: TlsServerOptions | undefined): Server {
    const httpOptions = {
      keepAlive: true,
      // Streaming uploads (import, build) take as long as they take; a stalled one is caught by
      // the body's idle timeout instead. Headers must arrive within headersTimeout, checked each second.
      requestTimeout: 0,
      headersTimeout: this.headersTimeoutMs,
      connectionsCheckingInterval: 1000,
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res);
    const server: Server = tls
      ? createHttpsServer({
          ...httpOptions,
          key: tls.key,
          cert: tls.cert,
          ...(tls.ca ? { ca: tls.ca } : {}),
          requestCert: tls.verifyClients,
          rejectUnauthorized: tls.verifyClients,
          minVersion: 'TLSv1.2',
          handshakeTimeout: this.headersTimeoutMs,
        }, handler)
      : createHttpServer(httpOptions, handler);
    server.keepAliveTimeout = 60_000;
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.onUpgrade(req, socket, head));
    server.on('clientError', (err: Error & { code?: string }, socket: Socket) => this.onClientError(err, socket));
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.log.debug('TLS handshake refused', { remote: socket.remoteAddress, error: err.message });
    });
    server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    return server;
  }

  /**
   * What Node's parser refuses before a handler sees it: malformed requests (400), headers over
   * 16 KiB (431), headers not finished in time (408). The answer has Docker's shape too.
   */
  private onClientError(err: Error & { code?: string }, socket: Socket): void {
    const inFlight = (socket as unknown as { _httpMessage?: unknown })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message = status === 408
      ? `the request headers did not arrive within ${this.headersTimeoutMs / 1000} s`
      : status === 431 ? 'request headers too large' : `malformed HTTP request: ${err.message}`;
    this.log.debug('refused a malformed request', { remote: socket.remoteAddress, code: err.code, error: err.message });
    const body = JSON.stringify({ message });
    socket.end(`HTTP/1.1 ${status} ${statusText[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  private resolve(req: IncomingMessage): { version: string; path: string; query: string; match: Exclude<ReturnType<Router['match']>, string> } {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const { version, path } = splitVersion(rawPath);
    const match = this.router.match(req.method ?? 'GET', path);
    if (match === 'not-found') throw new NotFound('page not found');
    if (match === 'bad-method') throw new HttpError(405, 'method not allowed');
    return { version, path, query: q < 0 ? '' : url.slice(q + 1), match };
  }

  private errorBody(err: unknown, req: IncomingMessage): { status: number; body: string } {
    const status = statusOf(err);
    if (status === 500) this.log.error('request failed', { method: req.method, url: req.url, error: err });
    return { status, body: JSON.stringify({ message: messageOfError(err) }) };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Socket; head: Buffer }): Promise<void> {
    // A write after the end, or to a connection that went away, must not take the daemon down.
    res.on('error', (err) => this.log.debug('answer failed', { url: req.url, error: err.message }));
    if (this.log.isDebug()) {
      const t0 = process.hrtime.bigint();
      res.once('finish', () => this.log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    }
    let version = API_VERSION;
    try {
      const r = this.resolve(req);
      version = r.version;
      for (const [k, v] of Object.entries(commonHeaders(version))) res.setHeader(k, v);
      const ctx = new RequestContext(req, res, { params: r.match.params, version, rawQuery: r.query, ...(upgrade ? { upgrade } : {}), limits: this.limits });
      await r.match.handler(ctx);
    } catch (err) {
      if (res.headersSent) {
        this.log.debug('error after the answer began', { error: err });
        res.destroy();
        return;
      }
      const { status, body } = this.errorBody(err, req);
      for (const [k, v] of Object.entries(commonHeaders(version))) res.setHeader(k, v);
      if (!req.complete && !upgrade) {
        // The rest of the body will not be read: this answer ends the connection.
        res.setHeader('Connection', 'close');
        closeAfterAnswer(req.socket);
      }
      if (status === 304) {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }
  }

  /**
   * A request with `Connection: Upgrade`. Hijacking routes (attach, exec start) take the socket;
   * any other route is answered as a plain request on it, as Go's server would, and the
   * connection closes after the answer.
   */
  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => {});
    if (this.log.isDebug()) this.log.debug('upgrade', { method: req.method, url: req.url });
    let ctx: RequestContext | undefined;
    try {
      const r = this.resolve(req);
      if (!r.match.hijack) {
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket);
        res.once('finish', () => {
          res.detachSocket(socket);
          closeAfterAnswer(socket);
          socket.destroySoon();
        });
        await this.onRequest(req, res, { socket, head });
        return;
      }
      ctx = new RequestContext(req, undefined, { params: r.match.params, version: r.version, rawQuery: r.query, upgrade: { socket, head }, limits: this.limits });
      await r.match.handler(ctx);
    } catch (err) {
      if (ctx?.isHijacked) {
        socket.destroy();
        return;
      }
      const { status, body } = this.errorBody(err, req);
      const headers = Object.entries(commonHeaders(API_VERSION)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      closeAfterAnswer(socket);
      socket.write(
        status === 304
          ? `HTTP/1.1 304 Not Modified\r\n${headers}\r\n`
          : `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      socket.destroySoon();
    }
  }
}
