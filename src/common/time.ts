/** Go's zero time, which Docker shows for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The current time as RFC 3339 with nanoseconds, as Docker writes timestamps. */
export function nowRfc3339Nano(): string {
  const ns = process.hrtime.bigint();
  return rfc3339NanoFromMs(Date.now(), Number(ns % 1_000_000n));
}

export function rfc3339NanoFromMs(ms: number, subMsNs = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-11-22T19:06:50.733Z
  const frac = `${iso.slice(20, 23)}${String(subMsNs).padStart(6, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

/** Unix nanoseconds as RFC 3339 with Go's trimmed fraction. */
export function rfc3339NanoFromNs(ns: bigint): string {
  return rfc3339NanoFromMs(Number(ns / 1_000_000n), Number(ns % 1_000_000n));
}

/** Seconds since the epoch of an RFC 3339 time (0 for the zero time). */
export function unixSeconds(t: string): number {
  const ms = Date.parse(t);
  return Number.isNaN(ms) || ms < 0 ? 0 : Math.floor(ms / 1000);
}
