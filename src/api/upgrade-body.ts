import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { InvalidArgument } from '../common/errors.js';
import { HttpError } from './errors.js';

/**
 * Pulls bytes from a socket that Node's HTTP parser has let go of (an upgrade request), starting
 * with what the parser had already read past the headers. Whatever is left over when the reader
 * is done goes back into the socket, so that it is not lost to whoever takes the socket next.
 */
class SocketReader {
  private buf: Buffer;

  constructor(private readonly socket: Socket, head: Buffer, private readonly idleMs: number) {
    this.buf = head;
  }

  /** Waits for more bytes; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    for (;;) {
      const chunk = this.socket.read() as Buffer | null;
      if (chunk) {
        this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
        return true;
      }
      if (this.socket.readableEnded || this.socket.destroyed) return false;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          done();
          reject(new HttpError(408, `the client sent no part of the request body for ${this.idleMs / 1000} s`));
        }, this.idleMs);
        const done = () => {
          clearTimeout(timer);
          this.socket.off('readable', wake).off('end', wake).off('close', wake);
        };
        const wake = () => {
          done();
          resolve();
        };
        this.socket.on('readable', wake).on('end', wake).on('close', wake);
      });
    }
  }

  async exactly(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (!(await this.fill())) throw new InvalidArgument('the request body ended early');
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** One CRLF-terminated line, without its terminator; longer than `max` is malformed. */
  async line(max: number): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        if (i > max) break;
        const s = this.buf.toString('latin1', 0, i);
        this.buf = this.buf.subarray(i + 2);
        return s;
      }
      if (this.buf.length > max + 2) break;
      if (!(await this.fill())) throw new InvalidArgument('the request body ended early');
    }
    throw new InvalidArgument('malformed chunked request body: line too long');
  }

  giveBack(): void {
    if (this.buf.length) this.socket.unshift(this.buf);
    this.buf = Buffer.alloc(0);
  }
}

/**
 * An upgrade request's body: Content-Length or chunked (dockerode sends its exec start body
 * chunked along with `Upgrade: tcp`). Reading stops at the end of the body: what follows is the
 * client's first input on the hijacked stream.
 */
export async function readUpgradeBody(
  socket: Socket,
  o: { head: Buffer; headers: IncomingHttpHeaders; limit: number; idleMs: number },
): Promise<Buffer> {
  const codings = String(o.headers['transfer-encoding'] ?? '').toLowerCase().split(',').map((s) => s.trim());
  const chunked = codings.includes('chunked');
  const len = Number(o.headers['content-length'] ?? 0);
  const reader = new SocketReader(socket, o.head, o.idleMs);
  try {
    if (!chunked) {
      if (!(len > 0)) return Buffer.alloc(0);
      if (len > o.limit) throw new HttpError(413, `request body too large: more than ${o.limit} bytes`);
      return Buffer.from(await reader.exactly(len));
    }
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const sizeLine = await reader.line(1024);
      const m = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(sizeLine);
      if (!m) throw new InvalidArgument(`malformed chunked request body: bad chunk size "${sizeLine.slice(0, 40)}"`);
      const size = parseInt(m[1]!, 16);
      if (size === 0) {
        while ((await reader.line(8192)) !== '');
        break;
      }
      total += size;
      if (total > o.limit) throw new HttpError(413, `request body too large: more than ${o.limit} bytes`);
      parts.push(Buffer.from(await reader.exactly(size)));
      if ((await reader.line(0)) !== '') throw new InvalidArgument('malformed chunked request body: chunk longer than its size');
    }
    return Buffer.concat(parts);
  } finally {
    reader.giveBack();
  }
}
