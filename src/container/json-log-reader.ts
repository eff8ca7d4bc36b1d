import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads Docker's json-file logs: `{"log":"…","stream":"stdout","time":"…"}` per line. The shim
 * writes one entry per write(2), so only text up to the last newline is ever consumed.
 */

export interface LogReadOptions {
  stdout: boolean;
  stderr: boolean;
  /** Unix nanoseconds; entries before are skipped (0: none). */
  sinceNs: bigint;
  /** Unix nanoseconds; entries after are skipped (0: none). */
  untilNs: bigint;
  /** Only the last n entries of the file (-1: all). */
  tail: number;
  timestamps: boolean;
  /** 8-byte multiplexed framing (no TTY). */
  multiplexed: boolean;
  follow: boolean;
  signal?: AbortSignal;
}

const PREFIX = Buffer.from('{"log":"');
const STREAM = Buffer.from('","stream":"');
const TIME = Buffer.from('","time":"');
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** The text, raw bytes. */
  log: Buffer;
  time: string;
}

/** Parses one line; undefined when it is not a log entry. */
export function parseLogLine(line: Buffer): LogEntry | undefined {
  if (line.length > PREFIX.length && line.subarray(0, PREFIX.length).equals(PREFIX)) {
    const end = line.indexOf(STREAM, PREFIX.length);
    const timeAt = end < 0 ? -1 : line.indexOf(TIME, end + STREAM.length);
    if (end > 0 && timeAt > 0) {
      const raw = line.subarray(PREFIX.length, end);
      const stream = line.toString('latin1', end + STREAM.length, timeAt) === 'stderr' ? 'stderr' : 'stdout';
      const timeStart = timeAt + TIME.length;
      const timeEnd = line.indexOf(0x22, timeStart);
      const time = line.toString('latin1', timeStart, timeEnd < 0 ? line.length : timeEnd);
      return { stream, log: unescape(raw), time };
    }
  }
  try {
    const e = JSON.parse(line.toString('utf8')) as { log?: string; stream?: string; time?: string };
    if (typeof e.log !== 'string') return undefined;
    return { stream: e.stream === 'stderr' ? 'stderr' : 'stdout', log: Buffer.from(e.log), time: e.time ?? '' };
  } catch {
    return undefined;
  }
}

/** JSON string bytes to raw bytes; the common case (only a final \n escaped) copies nothing. */
function unescape(raw: Buffer): Buffer {
  const first = raw.indexOf(BACKSLASH);
  if (first < 0) return raw;
  if (first === raw.length - 2 && raw[first + 1] === 0x6e) {
    const out = Buffer.allocUnsafe(raw.length - 1);
    raw.copy(out, 0, 0, first);
    out[first] = NEWLINE;
    return out;
  }
  return Buffer.from(JSON.parse(`"${raw.toString('utf8')}"`) as string);
}

/** RFC 3339 (any fraction length) to unix nanoseconds. */
export function timeToNs(t: string): bigint {
  const m = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return 0n;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(ms) * 1_000_000n + BigInt(frac);
}

/** Docker prints timestamps with exactly nine fraction digits. */
export function fixedNano(t: string): string {
  const m = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : t;
}

/** Frames entries for the wire, batching them into large buffers. */
class Framer {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly o: LogReadOptions) {}

  add(e: LogEntry): void {
    if (e.stream === 'stdout' ? !this.o.stdout : !this.o.stderr) return;
    if (this.o.sinceNs || this.o.untilNs) {
      const t = timeToNs(e.time);
      if (this.o.sinceNs && t < this.o.sinceNs) return;
      if (this.o.untilNs && t > this.o.untilNs) return;
    }
    const ts = this.o.timestamps ? Buffer.from(`${fixedNano(e.time)} `) : undefined;
    const len = e.log.length + (ts ? ts.length : 0);
    if (this.o.multiplexed) {
      const h = Buffer.allocUnsafe(8);
      h.writeUInt32BE(e.stream === 'stderr' ? 0x02000000 : 0x01000000, 0);
      h.writeUInt32BE(len, 4);
      this.parts.push(h);
      this.size += 8;
    }
    if (ts) this.parts.push(ts);
    this.parts.push(e.log);
    this.size += len;
  }

  take(): Buffer | undefined {
    if (!this.size) return undefined;
    const b = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return b;
  }

  get pending(): number {
    return this.size;
  }
}

/** The offset where the last `n` lines of the file start. */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n < 0) return 0;
  let pos = size;
  let seen = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  while (pos > 0) {
    const len = Math.min(buf.length, pos);
    pos -= len;
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      // The file ends with a newline: the (n+1)-th newline from the end precedes the n lines.
      if (buf[i] === NEWLINE && ++seen === n + 1) return pos + i + 1;
    }
  }
  return 0;
}

/**
 * Yields framed log output. With `follow`, keeps reading what is appended until `stopped`
 * resolves (the container's exit, after which the shim writes nothing more).
 */
export async function* readJsonLog(path: string, o: LogReadOptions, stopped?: Promise<unknown>): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return;
  let watcher: FSWatcher | undefined;
  try {
    const size = (await fh.stat()).size;
    let pos = o.tail >= 0 ? await tailOffset(fh, size, o.tail) : 0;
    const framer = new Framer(o);
    let rest: Buffer = Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(CHUNK);
    const drain = async function* (): AsyncGenerator<Buffer> {
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const data = rest.length ? Buffer.concat([rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
          const e = parseLogLine(data.subarray(start, nl));
          // Entries may point into buf: the framer copies them out before the next read.
          if (e) framer.add(e);
          start = nl + 1;
          if (framer.pending > 256 * 1024) yield framer.take()!;
        }
        rest = Buffer.from(data.subarray(start));
        const out = framer.take();
        if (out) yield out;
      }
    };
    yield* drain();
    if (!o.follow || !stopped) return;
    let wake: (() => void) | undefined;
    let done = false;
    watcher = watch(path, () => wake?.());
    void stopped.then(() => {
      done = true;
      wake?.();
    });
    o.signal?.addEventListener('abort', () => {
      done = true;
      wake?.();
    });
    while (!o.signal?.aborted) {
      const finished = done;
      yield* drain();
      if (finished) break;
      await new Promise<void>((r) => {
        wake = r;
        // A watcher can miss an event between the read and the wait; poll as a backstop.
        setTimeout(r, 1000).unref();
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}
