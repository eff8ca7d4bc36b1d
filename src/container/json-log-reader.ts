import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/**
 * Reads Docker's json-file logs: `{"log":"…","stream":"stdout","time":"…"}` per line. The shim
 * writes one entry per write(2), so only text up to the last newline is ever consumed. A log is
 * the current file and the files rotated out of it (`<path>.1` newest … `<path>.N`, gzipped as
 * `<path>.N.gz` with compress), which the shim never splits an entry across.
 */

const gunzipP = promisify(gunzip);

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
const QUOTE = 0x22;
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

const MAX_FRAME = 64 * 1024;

/**
 * Frames entries for the wire straight into one output buffer. Consecutive entries of one stream
 * share a frame (up to 64 KiB): clients demultiplex by stream, and a frame per line costs a
 * client as much as the lines themselves.
 */
class Framer {
  // Grows on demand: a `--tail 100` needs a few KiB, and a MiB allocated per request makes V8
  // run a full GC every few requests (external memory pressure).
  private out = Buffer.allocUnsafe(64 * 1024);
  private size = 0;
  /** Where the open frame's header is, and its stream; -1: none. */
  private frameAt = -1;
  private frameStream = 0;

  constructor(private readonly o: LogReadOptions) {}

  private ensure(n: number): void {
    if (this.size + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.size + n));
    this.out.copy(bigger, 0, 0, this.size);
    this.out = bigger;
  }

  add(e: LogEntry): void {
    if (e.stream === 'stdout' ? !this.o.stdout : !this.o.stderr) return;
    if (this.o.sinceNs || this.o.untilNs) {
      const t = timeToNs(e.time);
      if (this.o.sinceNs && t < this.o.sinceNs) return;
      if (this.o.untilNs && t > this.o.untilNs) return;
    }
    const ts = this.o.timestamps ? `${fixedNano(e.time)} ` : '';
    const len = e.log.length + ts.length;
    this.ensure(len + 8);
    this.openFrame(e.stream === 'stderr' ? 2 : 1, len);
    if (ts) this.size += this.out.write(ts, this.size, 'latin1');
    this.size += e.log.copy(this.out, this.size);
    this.closeFrame();
  }

  /**
   * Frames every complete line of d[0..len) and returns where the incomplete rest begins. Lines
   * in the shim's own layout are scanned byte by byte and copied without allocating; anything
   * else goes through JSON.parse.
   */
  feed(d: Buffer, len: number): number {
    let i = 0;
    for (;;) {
      let nl = i;
      while (nl < len && d[nl] !== NEWLINE) nl++;
      if (nl >= len) return i;
      if (!this.fastLine(d, i, nl)) {
        const e = parseLogLine(d.subarray(i, nl));
        if (e) this.add(e);
      }
      i = nl + 1;
    }
  }

  private fastLine(d: Buffer, s: number, e: number): boolean {
    for (let k = 0; k < PREFIX.length; k++) if (d[s + k] !== PREFIX[k]) return false;
    let j = s + PREFIX.length;
    let escaped = false;
    while (j < e) {
      const b = d[j]!;
      if (b === BACKSLASH) {
        escaped = true;
        j += 2;
        continue;
      }
      if (b === QUOTE) break;
      j++;
    }
    for (let k = 0; k < STREAM.length; k++) if (d[j + k] !== STREAM[k]) return false;
    const name = j + STREAM.length; // "stdout" | "stderr": they differ at their fourth byte
    const stderr = d[name + 3] === 0x65;
    const timeStart = name + 6 + TIME.length;
    if (d[name + 6] !== QUOTE || timeStart >= e) return false;
    if (stderr ? !this.o.stderr : !this.o.stdout) return true;
    let time = '';
    if (this.o.timestamps || this.o.sinceNs || this.o.untilNs) {
      let te = timeStart;
      while (te < e && d[te] !== QUOTE) te++;
      time = d.toString('latin1', timeStart, te);
      if (this.o.sinceNs || this.o.untilNs) {
        const t = timeToNs(time);
        if (this.o.sinceNs && t < this.o.sinceNs) return true;
        if (this.o.untilNs && t > this.o.untilNs) return true;
      }
    }
    const from = s + PREFIX.length;
    if (escaped && !this.simpleEscapes(d, from, j)) return false;
    const ts = this.o.timestamps ? `${fixedNano(time)} ` : '';
    this.ensure(j - from + ts.length + 8);
    this.openFrame(stderr ? 2 : 1, j - from + ts.length);
    if (ts) this.size += this.out.write(ts, this.size, 'latin1');
    if (!escaped) {
      this.size += d.copy(this.out, this.size, from, j);
    } else {
      const out = this.out;
      let o = this.size;
      for (let k = from; k < j; k++) {
        const b = d[k]!;
        if (b !== BACKSLASH) {
          out[o++] = b;
          continue;
        }
        const c = d[++k]!;
        out[o++] = c === 0x6e ? 0x0a : c === 0x74 ? 0x09 : c === 0x72 ? 0x0d : c === 0x62 ? 0x08 : c === 0x66 ? 0x0c : c;
      }
      this.size = o;
    }
    this.closeFrame();
    return true;
  }

  /** True when every escape in d[from..to) is a one-letter one (no \uXXXX). */
  private simpleEscapes(d: Buffer, from: number, to: number): boolean {
    for (let k = from; k < to; k++) {
      if (d[k] !== BACKSLASH) continue;
      if (d[k + 1] === 0x75) return false;
      k++;
    }
    return true;
  }

  private openFrame(stream: number, len: number): void {
    if (!this.o.multiplexed) return;
    const open = this.frameAt >= 0 && this.frameStream === stream && this.size - this.frameAt - 8 + len <= MAX_FRAME;
    if (open) return;
    this.frameAt = this.size;
    this.frameStream = stream;
    this.out.writeUInt32BE(stream << 24, this.size);
    this.size += 8;
  }

  private closeFrame(): void {
    if (this.o.multiplexed) this.out.writeUInt32BE(this.size - this.frameAt - 8, this.frameAt + 4);
  }

  take(): Buffer | undefined {
    if (!this.size) return undefined;
    const b = Buffer.from(this.out.subarray(0, this.size));
    this.size = 0;
    this.frameAt = -1;
    return b;
  }

  get pending(): number {
    return this.size;
  }
}

/** Where the last `n` lines of the file start, and how many of them it has (fewer: all of it). */
async function tailOffset(fh: FileHandle, size: number, n: number): Promise<{ offset: number; lines: number }> {
  let pos = size;
  let seen = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  while (pos > 0) {
    const len = Math.min(buf.length, pos);
    pos -= len;
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      // The file ends with a newline: the (n+1)-th newline from the end precedes the n lines.
      if (buf[i] === NEWLINE && ++seen === n + 1) return { offset: pos + i + 1, lines: n };
    }
  }
  return { offset: 0, lines: size > 0 ? seen : 0 };
}

/** Same as tailOffset, for a decompressed file in memory. */
function tailOffsetOf(b: Buffer, n: number): { offset: number; lines: number } {
  let seen = 0;
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] === NEWLINE && ++seen === n + 1) return { offset: i + 1, lines: n };
  }
  return { offset: 0, lines: seen };
}

interface RotatedFile {
  path: string;
  gz: boolean;
}

/**
 * The files rotated out of `path`, oldest first. A file being compressed exists as both `.N`
 * (complete) and `.N.gz` (being written): the plain one is read.
 */
export async function rotatedFiles(path: string): Promise<RotatedFile[]> {
  const base = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const found = new Map<number, RotatedFile>();
  for (const name of names) {
    const m = /^\.(\d+)(\.gz)?$/.exec(name.startsWith(base) ? name.slice(base.length) : '');
    if (!m) continue;
    const n = Number(m[1]);
    const gz = !!m[2];
    if (gz && found.has(n)) continue;
    found.set(n, { path: `${path}.${n}${gz ? '.gz' : ''}`, gz });
  }
  return [...found.entries()].sort((a, b) => b[0] - a[0]).map(([, f]) => f);
}

/** A compressed rotated file, decompressed (it is at most max-size). */
async function gunzipped(f: RotatedFile): Promise<Buffer> {
  return gunzipP(await readFile(f.path).catch(() => Buffer.alloc(0))).catch(() => Buffer.alloc(0));
}

/** Where the last `n` lines of a rotated file start; a compressed one comes back decompressed. */
async function rotatedTail(f: RotatedFile, n: number): Promise<{ offset: number; lines: number; data?: Buffer }> {
  if (f.gz) {
    const data = await gunzipped(f);
    return { ...tailOffsetOf(data, n), data };
  }
  const fh = await open(f.path, 'r').catch(() => undefined);
  if (!fh) return { offset: 0, lines: 0 };
  try {
    return await tailOffset(fh, (await fh.stat()).size, n);
  } finally {
    await fh.close();
  }
}

interface ReadState {
  pos: number;
  /** An incomplete last line, kept for the next read. */
  rest: Buffer;
}

/**
 * Frames what the file holds from state.pos on, a chunk at a time, and advances state. `buf` is
 * where a read starts; a read that fills it goes on with a CHUNK-sized one.
 */
async function* frameFile(fh: FileHandle, framer: Framer, state: ReadState, first: Buffer): AsyncGenerator<Buffer> {
  let buf = first;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, state.pos);
    if (bytesRead === 0) break;
    state.pos += bytesRead;
    const data = state.rest.length ? Buffer.concat([state.rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    const start = framer.feed(data, data.length);
    state.rest = Buffer.from(data.subarray(start));
    const out = framer.take();
    if (out) yield out;
    if (bytesRead === buf.length && buf.length < CHUNK) buf = Buffer.allocUnsafe(CHUNK);
  }
}

/** A rotated file's entries from `offset`: plain files streamed, compressed ones from memory. */
async function* frameRotated(framer: Framer, f: RotatedFile, offset: number, buf: Buffer, data?: Buffer): AsyncGenerator<Buffer> {
  if (f.gz) {
    yield* frameWhole(framer, data ?? (await gunzipped(f)), offset);
    return;
  }
  const fh = await open(f.path, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    yield* frameFile(fh, framer, { pos: offset, rest: Buffer.alloc(0) }, buf);
  } finally {
    await fh.close();
  }
}

/** Frames a whole rotated file's entries from `offset`, a chunk at a time. */
function* frameWhole(framer: Framer, data: Buffer, offset: number): Generator<Buffer> {
  for (let at = offset; at < data.length; ) {
    const end = Math.min(data.length, at + CHUNK);
    const nl = data.lastIndexOf(NEWLINE, end - 1);
    const stop = end === data.length || nl < at ? end : nl + 1;
    framer.feed(data.subarray(at, stop), stop - at);
    at = stop;
    const out = framer.take();
    if (out) yield out;
  }
}

/**
 * Yields framed log output: the rotated files, then the current one. With `follow`, keeps reading
 * what is appended until `stopped` resolves (the container's exit, after which the shim writes
 * nothing more), and moves on to the new file when the shim rotates the one it follows.
 */
export async function* readJsonLog(path: string, o: LogReadOptions, stopped?: Promise<unknown>): AsyncGenerator<Buffer> {
  let fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return;
  let watcher: FSWatcher | undefined;
  try {
    const framer = new Framer(o);
    const size = (await fh.stat()).size;
    let pos = 0;
    const older = await rotatedFiles(path);
    // --tail: the newest files that hold the last n lines, and where in the oldest of them to begin.
    let firstOlder = o.tail >= 0 ? older.length : 0;
    let first: { offset: number; lines?: number; data?: Buffer } = { offset: 0 };
    if (o.tail >= 0) {
      const cur = await tailOffset(fh, size, o.tail);
      pos = cur.offset;
      let need = o.tail - cur.lines;
      while (need > 0 && firstOlder > 0) {
        first = await rotatedTail(older[--firstOlder]!, need);
        need -= first.lines ?? 0;
      }
    }
    const buf = Buffer.allocUnsafe(firstOlder < older.length ? CHUNK : Math.min(CHUNK, Math.max(64 * 1024, size - pos)));
    for (let i = firstOlder; i < older.length; i++) {
      yield* i === firstOlder ? frameRotated(framer, older[i]!, first.offset, buf, first.data) : frameRotated(framer, older[i]!, 0, buf);
    }
    const state: ReadState = { pos, rest: Buffer.alloc(0) };
    const drain = () => frameFile(fh!, framer, state, buf);
    yield* drain();
    if (!o.follow || !stopped) return;
    let wake: (() => void) | undefined;
    let done = false;
    // Set by anything that happens while the loop reads rather than waits: the wait is skipped,
    // so an exit or a write seen then is not left to the backstop poll.
    let poked = false;
    const poke = () => {
      poked = true;
      wake?.();
    };
    // The directory, not the file: a rotation replaces the file under the name.
    watcher = watch(dirname(path), poke);
    void stopped.then(() => {
      done = true;
      poke();
    });
    o.signal?.addEventListener('abort', () => {
      done = true;
      poke();
    });
    while (!o.signal?.aborted) {
      poked = false;
      const finished = done;
      const before = state.pos;
      yield* drain();
      // Rotated: what was appended to the old file before it was renamed is read above; the new
      // file is read from its start. (Only looked for when the old file had nothing new.)
      const now = state.pos === before ? await open(path, 'r').catch(() => undefined) : undefined;
      if (now && (await now.stat()).ino !== (await fh.stat()).ino) {
        await fh.close();
        fh = now;
        state.pos = 0;
        state.rest = Buffer.alloc(0);
        continue;
      }
      await now?.close();
      if (finished) break;
      if (!poked) {
        await new Promise<void>((r) => {
          wake = r;
          // A watcher can miss an event (a rotation on some filesystems): poll as a backstop.
          setTimeout(r, 1000).unref();
        });
      }
      wake = undefined;
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}
