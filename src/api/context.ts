import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { InvalidArgument } from '../common/errors.js';
import { HttpError } from './errors.js';
import { haltReading } from './halt-reading.js';
import { bridgeSocket } from './socket-bridge.js';
import { readUpgradeBody } from './upgrade-body.js';

/**
 * Bounds on what one request may cost. moby reads JSON bodies without a limit; Berth answers 413
 * past `maxJsonBody` (a create body is a few KiB; 4 MiB leaves room for thousands of variables)
 * and 408 when a body stops arriving for `bodyIdleMs`, so a stalled client frees its connection.
 */
export interface RequestLimits {
  maxJsonBody: number;
  bodyIdleMs: number;
  /** A directory only root can enter, for the socket pairs that carry hijacked TLS streams. */
  bridgeDir?: string;
}

export const DEFAULT_LIMITS: RequestLimits = { maxJsonBody: 4 << 20, bodyIdleMs: 10_000 };

/** Docker's notion of a true query value (moby httputils.BoolValue). */
export function boolValue(v: string | null): boolean {
  if (v === null) return false;
  const s = v.trim().toLowerCase();
  return s !== '' && s !== '0' && s !== 'no' && s !== 'false' && s !== 'none';
}

export function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, `request body too large: more than ${limit} bytes`);
}

export function bodyStalled(idleMs: number): HttpError {
  return new HttpError(408, `the client sent no part of the request body for ${idleMs / 1000} s`);
}

/** Reads a request stream whole, up to `limit` bytes, failing when it stalls for `idleMs`. */
function collect(req: IncomingMessage, limit: number, idleMs: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else {
        resolve(Buffer.concat(chunks));
      }
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(bodyStalled(idleMs)), idleMs);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return finish(bodyTooLarge(limit));
      chunks.push(c);
      arm();
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(new InvalidArgument(`reading the request body: ${err.message}`));
    const onClose = () => finish(new InvalidArgument('the client closed the connection before the request body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    arm();
  });
}

function jsonKind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export interface ContextInit {
  params: Record<string, string>;
  version: string;
  rawQuery: string;
  /** Upgrade requests: the raw socket and what was read past the headers. */
  upgrade?: { socket: Socket; head: Buffer };
  limits?: RequestLimits;
}

/** What a handler gets: the request, its parameters, and ways to answer it. */
export class RequestContext {
  readonly query: URLSearchParams;
  readonly params: Record<string, string>;
  readonly version: string;
  readonly upgrade: { socket: Socket; head: Buffer } | undefined;
  readonly limits: RequestLimits;
  private hijacked = false;
  /** Whether the bytes read past the headers of an upgrade request went to the body reader. */
  private headTaken = false;

  constructor(
    readonly req: IncomingMessage,
    /** Absent for a hijacking upgrade request: answer through `hijack()`. */
    readonly res: ServerResponse | undefined,
    init: ContextInit,
  ) {
    this.params = init.params;
    this.version = init.version;
    this.upgrade = init.upgrade;
    this.limits = init.limits ?? DEFAULT_LIMITS;
    this.query = new URLSearchParams(init.rawQuery);
  }

  param(name: string): string {
    return this.params[name] ?? '';
  }

  str(name: string, fallback = ''): string {
    return this.query.get(name) ?? fallback;
  }

  bool(name: string, fallback = false): boolean {
    return this.query.has(name) ? boolValue(this.query.get(name)) : fallback;
  }

  /** An integer query value (decimal digits, as Go's strconv.Atoi reads them), within bounds. */
  int(name: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
    const v = this.query.get(name);
    if (v === null || v === '') return fallback;
    const n = /^[+-]?\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : NaN;
    if (!Number.isSafeInteger(n)) throw new InvalidArgument(`invalid value for ${name}: "${v}": not an integer`);
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
    if (n < min || n > max) throw new InvalidArgument(`invalid value for ${name}: "${v}": out of range ${min}..${max}`);
    return n;
  }

  /** A JSON-encoded query value such as `filters`. */
  jsonQuery<T>(name: string): T | undefined {
    const v = this.query.get(name);
    if (!v) return undefined;
    try {
      return JSON.parse(v) as T;
    } catch (err) {
      throw new InvalidArgument(`invalid ${name} "${v}": ${(err as Error).message}`);
    }
  }

  /** The request body as JSON; an empty body is `fallback`. Malformed JSON is a 400. */
  async json<T>(fallback: T): Promise<T> {
    const raw = await this.body(this.limits.maxJsonBody);
    const text = raw.toString('utf8');
    if (text.trim() === '') return fallback;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new InvalidArgument(`invalid JSON in the request body: ${(err as Error).message}`);
    }
  }

  /**
   * A body that must be a JSON object (moby decodes it into a struct): absent or empty is
   * undefined; an array, a string or a number is the client's error.
   */
  async jsonObject(): Promise<Record<string, unknown> | undefined> {
    const v = await this.json<unknown>(undefined);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw new InvalidArgument(`invalid JSON in the request body: want an object, got ${jsonKind(v)}`);
    }
    return v as Record<string, unknown>;
  }

  /** Reads the whole body, up to `limit` bytes: 413 beyond, 408 when it stalls. */
  async body(limit: number): Promise<Buffer> {
    const declared = Number(this.req.headers['content-length'] ?? 0);
    if (declared > limit) throw bodyTooLarge(limit);
    if (this.upgrade) {
      this.headTaken = true;
      return readUpgradeBody(this.upgrade.socket, { head: this.upgrade.head, headers: this.req.headers, limit, idleMs: this.limits.bodyIdleMs });
    }
    return collect(this.req, limit, this.limits.bodyIdleMs);
  }

  get isHijacked(): boolean {
    return this.hijacked;
  }

  /**
   * Answers 101 (or 200 without an upgrade, as moby does) and gives the raw connection. A TLS
   * connection cannot be handed to a shim as it is (the shim would write plain bytes into it), so
   * its handler gets one end of a socket pair whose other end berthd relays through TLS.
   */
  async hijack(contentType: string): Promise<Socket> {
    if (!this.upgrade) throw new InvalidArgument('this endpoint needs a connection upgrade (Connection: Upgrade, Upgrade: tcp)');
    this.hijacked = true;
    const { socket } = this.upgrade;
    if (!this.headTaken && this.upgrade.head.length) socket.unshift(this.upgrade.head);
    this.headTaken = true;
    const head = `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: ${this.version}\r\n\r\n`;
    if (socket instanceof TLSSocket) {
      return bridgeSocket(socket, { dir: this.limits.bridgeDir, head });
    }
    haltReading(socket);
    if (socket.readableLength > 0) {
      // Input sent before our answer: it cannot follow the stream to the shim.
      throw new InvalidArgument('the client sent data before the connection was upgraded');
    }
    return new Promise((resolve, reject) => socket.write(head, (err) => (err ? reject(err) : resolve(socket))));
  }

  sendJson(status: number, value: unknown): void {
    const body = JSON.stringify(value);
    const res = this.res!;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  noContent(status = 204): void {
    this.res!.writeHead(status);
    this.res!.end();
  }
}
