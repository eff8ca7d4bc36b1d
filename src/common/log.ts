/** Levels as dockerd's --log-level names them. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  isDebug(): boolean;
}

export function isLogLevel(s: string): s is LogLevel {
  return s in order;
}

/** Writes logfmt-style lines to stderr, as dockerd does: time="…" level=info msg="…" k=v. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = order[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    let line = `time="${new Date().toISOString()}" level=${lvl} msg=${JSON.stringify(msg)}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        const s = v instanceof Error ? (v.stack ?? v.message) : typeof v === 'string' ? v : JSON.stringify(v);
        line += ` ${k}=${JSON.stringify(s)}`;
      }
    }
    write(line + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    isDebug: () => min <= order.debug,
  };
}

export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {}, isDebug: () => false,
};
