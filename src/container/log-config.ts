import { InvalidArgument, NotImplemented } from '../common/errors.js';

/** A container's logging as Docker keeps it: HostConfig.LogConfig. */
export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** What the shim is told: where nothing is written (none), or how the json-file log rotates. */
export interface LogSettings {
  driver: 'json-file' | 'local' | 'none';
  /** maxSize 0: the file grows without bound (max-size=-1). */
  rotation: { maxSize: number; maxFiles: number; compress: boolean };
}

/**
 * Berth's bounds when nothing is configured: 10 MB × 3 files per container (Docker's json-file
 * grows without limit; its `local` driver keeps 20 MB × 5). Three files keep a follow able to
 * catch up across a rotation while a container's logs stay within 30 MB.
 */
export const DEFAULT_LOG_OPTS = { 'max-size': '10m', 'max-file': '3' } as const;
const LOCAL_DEFAULTS = { 'max-size': '20m', 'max-file': '5', compress: 'true' } as const;

const OPTS: Record<string, Set<string>> = {
  'json-file': new Set(['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']),
  local: new Set(['max-size', 'max-file', 'compress']),
  none: new Set(),
};

/** The daemon's default driver and options under the container's, as moby merges them at create. */
export function mergeLogConfig(c: LogConfig, daemon: LogConfig): LogConfig {
  const type = c.type || daemon.type || 'json-file';
  if (type !== (daemon.type || 'json-file')) return { type, config: { ...c.config } };
  return { type, config: { ...daemon.config, ...c.config } };
}

/** Docker's units.RAMInBytes: "10m", "1.5g", "512k", "100" (bytes); -1: unlimited. */
function parseSize(v: string): number {
  if (v === '-1') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgument(`invalid size: '${v}'`);
  const exp = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** exp);
}

/** Checks a log config and turns it into settings; Docker's texts for what it refuses. */
export function logSettings(c: LogConfig): LogSettings {
  const type = c.type || 'json-file';
  const allowed = OPTS[type];
  if (!allowed) throw new InvalidArgument(`logger: no log driver named '${type}' is registered`);
  for (const k of Object.keys(c.config)) {
    if (!allowed.has(k)) throw new InvalidArgument(`unknown log opt '${k}' for ${type} log driver`);
  }
  const given = c.config;
  const opts: Record<string, string | undefined> = type === 'local' ? { ...LOCAL_DEFAULTS, ...given } : given['max-size'] === undefined && given['max-file'] === undefined ? { ...DEFAULT_LOG_OPTS, ...given } : given;
  const maxSize = opts['max-size'] === undefined ? 0 : parseSize(opts['max-size']);
  const maxFiles = opts['max-file'] === undefined ? 1 : Number(opts['max-file']);
  if (!Number.isInteger(maxFiles) || maxFiles < 1) throw new InvalidArgument('max-file cannot be less than 1');
  if (maxFiles > 1 && maxSize === 0) throw new InvalidArgument('max-file can only be set when max-size is set');
  const compressText = opts.compress ?? 'false';
  if (!['1', 't', 'T', 'true', 'TRUE', 'True', '0', 'f', 'F', 'false', 'FALSE', 'False'].includes(compressText)) {
    throw new InvalidArgument(`error parsing compress option: strconv.ParseBool: parsing "${compressText}": invalid syntax`);
  }
  const compress = ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(compressText);
  if (compress && maxFiles === 1) throw new InvalidArgument('compress cannot be true when max-file is less than 2');
  return { driver: type as LogSettings['driver'], rotation: { maxSize, maxFiles, compress } };
}

/** `docker logs` of a container that keeps no log. */
export function cannotReadLogs(): NotImplemented {
  return new NotImplemented('configured logging driver does not support reading');
}
