import { connect, type Socket } from 'node:net';

/** An HTTP answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
  /** Milliseconds from the first byte sent to the socket's close (or the answer's end). */
  ms: number;
}

/** Splits raw HTTP bytes into status, head and (de-chunked when needed) body. */
export function parseAnswer(raw: string, ms: number): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  let body = end < 0 ? '' : raw.slice(end + 4);
  if (/transfer-encoding: chunked/i.test(head)) {
    let out = '';
    for (let rest = body; ;) {
      const nl = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, nl), 16);
      if (!(size > 0)) break;
      out += rest.slice(nl + 2, nl + 2 + size);
      rest = rest.slice(nl + 2 + size + 2);
    }
    body = out;
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body, ms };
}

/** A connection to berthd's UNIX socket that sends exactly what a test says, when it says. */
export function rawConnect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends `data` (and keeps sending `more()` chunks while it returns some) and collects whatever
 * comes back until berthd closes the connection or `timeoutMs` passes.
 */
export async function rawExchange(
  socketPath: string,
  data: string | Buffer,
  o: { timeoutMs?: number; more?: () => Buffer | undefined; endAfterAnswer?: boolean } = {},
): Promise<RawAnswer> {
  const s = await rawConnect(socketPath);
  const t0 = Date.now();
  return new Promise((resolve) => {
    let raw = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(parseAnswer(raw, Date.now() - t0));
    };
    const timer = setTimeout(finish, o.timeoutMs ?? 15_000);
    s.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      if (o.endAfterAnswer && /\r\n\r\n/.test(raw)) {
        const a = parseAnswer(raw, 0);
        const len = Number(/content-length: (\d+)/i.exec(a.head)?.[1] ?? -1);
        if (len >= 0 && Buffer.byteLength(a.body, 'latin1') >= len) finish();
      }
    });
    s.on('close', finish);
    s.on('error', () => {});
    const pump = () => {
      if (done || !o.more) return;
      for (;;) {
        const chunk = o.more();
        if (!chunk) return;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    s.write(data, pump);
  });
}
