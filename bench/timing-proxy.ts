import { unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface ProxyEvent {
  /** ms since the last `reset()`. */
  t: number;
  conn: number;
  /** request: its first bytes reached the proxy; answer: the status line came back; result: a wait's body. */
  kind: 'request' | 'answer' | 'result';
  /** The call's short name: ping, create, attach, wait, start, version, … */
  what: string;
}

/** "/v1.45/containers/abc/start?x=1" → "start"; "/_ping" → "ping"; "/containers/create" → "create". */
export function callName(path: string): string {
  const p = path.replace(/\?.*$/, '').replace(/^\/v[\d.]+/, '');
  if (p === '/_ping') return 'ping';
  const m = /^\/(containers|exec|images)\/(?:[^/]+\/)?([a-z]+)$/.exec(p);
  return m ? m[2]! : p.slice(1);
}

const REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE) (\S+) HTTP\/1\.[01]\r\n/;

/**
 * A UNIX-socket proxy in front of a daemon that timestamps the Engine API calls passing through.
 * It costs one extra hop per message (about a tenth of a millisecond here).
 */
export class TimingProxy {
  events: ProxyEvent[] = [];
  private origin = process.hrtime.bigint();
  private conns = 0;

  private constructor(private readonly server: Server, readonly path: string) {}

  static async start(path: string, target: string): Promise<TimingProxy> {
    await unlink(path).catch(() => {});
    let proxy: TimingProxy | undefined;
    const server = createServer({ allowHalfOpen: true }, (client) => proxy!.relay(client, target));
    proxy = new TimingProxy(server, path);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    return proxy;
  }

  /** Forgets the events so far; later times count from now. */
  reset(origin: bigint = process.hrtime.bigint()): void {
    this.events = [];
    this.origin = origin;
  }

  private record(conn: number, kind: ProxyEvent['kind'], what: string): void {
    this.events.push({ t: Number(process.hrtime.bigint() - this.origin) / 1e6, conn, kind, what });
  }

  private relay(client: Socket, target: string): void {
    const conn = ++this.conns;
    const upstream = connect({ path: target, allowHalfOpen: true });
    let current = '';
    let answered = true;
    client.on('data', (d: Buffer) => {
      const m = answered ? REQUEST_LINE.exec(d.subarray(0, 512).toString('latin1')) : null;
      if (m) {
        current = callName(m[2]!);
        answered = false;
        this.record(conn, 'request', current);
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      const head = d.subarray(0, 512).toString('latin1');
      if (!answered && head.startsWith('HTTP/1.')) {
        answered = true;
        this.record(conn, 'answer', current);
      }
      if (current === 'wait' && head.includes('"StatusCode"')) this.record(conn, 'result', current);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', () => (client.writableEnded ? destroy() : client.end()));
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server.close(r));
    await unlink(this.path).catch(() => {});
  }
}
