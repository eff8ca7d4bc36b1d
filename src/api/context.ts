import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { InvalidArgument } from '../common/errors.js';

const MAX_JSON_BODY = 8 << 20;

/** Docker's notion of a true query value (moby httputils.BoolValue). */
export function boolValue(v: string | null): boolean {
  if (v === null) return false;
  const s = v.trim().toLowerCase();
  return s !== '' && s !== '0' && s !== 'no' && s !== 'false' && s !== 'none';
}

/**
 * Stops Node from reading a socket at all. pause() alone leaves libuv reading into the stream's
 * buffer, and bytes read there would never reach the shim that takes the descriptor over.
 */
export function haltReading(socket: Socket): void {
  socket.pause();
  (socket as unknown as { _handle?: { readStop?: () => void; reading?: boolean } })._handle?.readStop?.();
  const h = (socket as unknown as { _handle?: { reading?: boolean } })._handle;
  if (h) h.reading = false;
}

/** What a handler gets: the request, its parameters, and ways to answer it. */
export class RequestContext {
  readonly query: URLSearchParams;
  private hijacked = false;

  constructor(
    readonly req: IncomingMessage,
    /** Absent for a connection-upgrade request: answer through `hijack()`. */
    readonly res: ServerResponse | undefined,
    readonly params: Record<string, string>,
    readonly version: string,
    rawQuery: string,
    /** Upgrade requests: the raw socket and what was read past the headers. */
    readonly upgrade?: { socket: Socket; head: Buffer },
  ) {
    this.query = new URLSearchParams(rawQuery);
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

  int(name: string, fallback: number): number {
    const v = this.query.get(name);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgument(`invalid value for ${name}: "${v}"`);
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
    const raw = await this.body(MAX_JSON_BODY);
    if (raw.length === 0 || raw.toString().trim() === '') return fallback;
    try {
      return JSON.parse(raw.toString('utf8')) as T;
    } catch (err) {
      throw new InvalidArgument(`invalid JSON in the request body: ${(err as Error).message}`);
    }
  }

  /** Reads the whole body, up to `limit` bytes (413-like 400 beyond). */
  async body(limit: number): Promise<Buffer> {
    if (this.upgrade) return this.upgradeBody(limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of this.req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > limit) throw new InvalidArgument(`request body too large: more than ${limit} bytes`);
      chunks.push(c);
    }
    return Buffer.concat(chunks);
  }

  /**
   * An upgrade request's body: Node hands over the socket with whatever followed the headers, and
   * the rest is pulled here with read(); reading stops at hijack(), before the answer goes out.
   */
  private async upgradeBody(limit: number): Promise<Buffer> {
    const { socket, head } = this.upgrade!;
    const len = Number(this.req.headers['content-length'] ?? 0);
    if (!len) return Buffer.alloc(0);
    if (len > limit) throw new InvalidArgument(`request body too large: more than ${limit} bytes`);
    const parts = [head];
    let got = head.length;
    while (got < len) {
      const chunk = socket.read() as Buffer | null;
      if (chunk) {
        parts.push(chunk);
        got += chunk.length;
        continue;
      }
      if (socket.readableEnded || socket.destroyed) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('readable', done);
          socket.off('end', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('readable', done);
        socket.on('end', done);
        socket.on('close', done);
      });
    }
    const body = Buffer.concat(parts);
    if (body.length < len) throw new InvalidArgument('the request body ended early');
    // Bytes past the body would be the client's first input; clients send none before our answer.
    return body.subarray(0, len);
  }

  get isHijacked(): boolean {
    return this.hijacked;
  }

  /** Answers 101 (or 200 without an upgrade, as moby does) and gives the raw connection. */
  hijack(contentType: string): Promise<Socket> {
    if (!this.upgrade) throw new InvalidArgument('this endpoint needs a connection upgrade (Connection: Upgrade, Upgrade: tcp)');
    this.hijacked = true;
    const { socket } = this.upgrade;
    haltReading(socket);
    if (socket.readableLength > 0) {
      // Input sent before our answer: it cannot follow the stream to the shim.
      throw new InvalidArgument('the client sent data before the connection was upgraded');
    }
    const head = `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: ${this.version}\r\n\r\n`;
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
