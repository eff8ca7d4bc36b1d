import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

export type LogFormat = 'text' | 'json';
type Level = 'debug' | 'warning' | 'error';

/** logrus prints the level in four capitals and colour on a terminal. */
const ttyLevel: Record<Level, [string, number]> = { debug: ['DEBU', 37], warning: ['WARN', 33], error: ['ERRO', 31] };

/** node:tty is loaded only when a line is written: a runtime call that logs nothing pays nothing for it. */
function isStderrTty(): boolean {
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return isatty(2);
}

/** RFC 3339 to the second with the local offset: logrus's default timestamp. */
function rfc3339(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

/** logrus's text formatter quotes a value unless it is made of these characters only. */
function textValue(s: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(s) ? s : JSON.stringify(s);
}

/** Go's encoding/json escapes these for HTML, and logrus leaves that on. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/**
 * runc's logging (logrus): `--log FILE` appends lines there, `--log-format json` makes them
 * `{"level":"error","msg":"…","time":"…"}` (Berth's daemon reads the last error from such a file);
 * without `--log` they go to stderr, in logrus's terminal format when stderr is a terminal.
 */
export class RuntimeLog {
  private fd: number | undefined;
  private readonly started = Date.now();

  constructor(private readonly opts: { file?: string; format: LogFormat; debug: boolean }) {}

  /** Whether log lines already reach stderr, so that an error need not be printed twice. */
  get isStderr(): boolean {
    return !this.opts.file || this.opts.file === '/dev/stderr';
  }

  debug(msg: string): void {
    if (this.opts.debug) this.emit('debug', msg);
  }

  warn(msg: string): void {
    this.emit('warning', msg);
  }

  error(msg: string): void {
    this.emit('error', msg);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private emit(level: Level, msg: string): void {
    const now = new Date();
    const toStderr = this.isStderr;
    let line: string;
    if (this.opts.format === 'json') {
      line = `${goJson({ level, msg, time: rfc3339(now) })}\n`;
    } else if (toStderr && isStderrTty()) {
      const [text, colour] = ttyLevel[level];
      const secs = String(Math.floor((now.getTime() - this.started) / 1000)).padStart(4, '0');
      line = `\x1b[${colour}m${text}\x1b[0m[${secs}] ${msg.padEnd(44)} \n`;
    } else {
      line = `time=${textValue(rfc3339(now))} level=${level} msg=${textValue(msg)}\n`;
    }
    if (toStderr) {
      writeSync(2, line);
      return;
    }
    // runc opens its log O_APPEND|O_SYNC, so that lines of concurrent runs do not mix.
    this.fd ??= openSync(this.opts.file!, 'as', 0o644);
    writeSync(this.fd, line);
  }
}
