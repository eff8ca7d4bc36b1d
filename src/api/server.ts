import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { NotFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { RequestContext } from './context.js';
import { messageOfError, statusOf } from './errors.js';
import type { Router } from './router.js';
import { API_VERSION, splitVersion } from './version.js';

const SERVER = 'Berth/0.1.0 (linux)';

function commonHeaders(version: string): Record<string, string> {
  return { 'Api-Version': version, 'Docker-Experimental': 'false', Ostype: 'linux', Server: SERVER };
}

const statusText: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** Serves the Engine API on UNIX sockets and TCP addresses. */
export class ApiServer {
  private servers: Server[] = [];
  private sockets = new Set<Socket>();

  constructor(private readonly router: Router, private readonly log: Logger) {}

  /** Listens on "unix:///path" or "tcp://host:port" addresses. */
  async listen(addresses: string[]): Promise<void> {
    for (const addr of addresses) {
      const server = createServer({ keepAlive: true }, (req, res) => void this.onRequest(req, res));
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.onUpgrade(req, socket, head));
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.once('close', () => this.sockets.delete(s));
      });
      server.keepAliveTimeout = 60_000;
      server.headersTimeout = 65_000;
      server.requestTimeout = 0; // streaming uploads (import, build) take as long as they take
      const u = new URL(addr);
      if (u.protocol === 'unix:') {
        const path = u.pathname;
        await unlink(path).catch(() => {});
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, () => resolve()));
        await chmod(path, 0o660);
      } else if (u.protocol === 'tcp:') {
        if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(u.hostname)) {
          this.log.warn('listening on plain TCP beyond loopback: anyone who can reach it controls the machine', { address: addr });
        }
        await new Promise<void>((resolve, reject) =>
          server.once('error', reject).listen(Number(u.port || 2375), u.hostname.replace(/^\[|\]$/g, ''), () => resolve()),
        );
      } else {
        throw new Error(`unsupported listen address "${addr}": use unix:///path or tcp://host:port`);
      }
      this.servers.push(server);
      this.log.info('API listening', { address: addr });
    }
  }

  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    for (const s of this.sockets) s.destroy();
    this.servers = [];
  }

  private resolve(req: IncomingMessage): { version: string; path: string; query: string; match: Exclude<ReturnType<Router['match']>, string> } {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const { version, path } = splitVersion(rawPath);
    const match = this.router.match(req.method ?? 'GET', path);
    if (match === 'not-found') throw new NotFound('page not found');
    if (match === 'bad-method') throw Object.assign(new Error('method not allowed'), { status: 405 });
    return { version, path, query: q < 0 ? '' : url.slice(q + 1), match };
  }

  private errorBody(err: unknown): { status: number; body: string } {
    const status = (err as { status?: number }).status ?? statusOf(err);
    if (status === 500) this.log.error('request failed', { error: err });
    return { status, body: JSON.stringify({ message: messageOfError(err) }) };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.log.isDebug()) {
      const t0 = process.hrtime.bigint();
      res.once('finish', () => this.log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    }
    let version = API_VERSION;
    try {
      const r = this.resolve(req);
      version = r.version;
      for (const [k, v] of Object.entries(commonHeaders(version))) res.setHeader(k, v);
      const ctx = new RequestContext(req, res, r.match.params, version, r.query);
      await r.match.handler(ctx);
    } catch (err) {
      if (res.headersSent) {
        this.log.debug('error after the answer began', { error: err });
        res.destroy();
        return;
      }
      const { status, body } = this.errorBody(err);
      for (const [k, v] of Object.entries(commonHeaders(version))) res.setHeader(k, v);
      if (status === 304) {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => {});
    if (this.log.isDebug()) this.log.debug('upgrade', { method: req.method, url: req.url });
    let ctx: RequestContext | undefined;
    try {
      const r = this.resolve(req);
      if (!r.match.hijack) throw new NotFound('page not found');
      ctx = new RequestContext(req, undefined, r.match.params, r.version, r.query, { socket, head });
      await r.match.handler(ctx);
    } catch (err) {
      if (ctx?.isHijacked) {
        socket.destroy();
        return;
      }
      const { status, body } = this.errorBody(err);
      const headers = Object.entries(commonHeaders(API_VERSION)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(
        status === 304
          ? `HTTP/1.1 304 Not Modified\r\n${headers}\r\n`
          : `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }
}
