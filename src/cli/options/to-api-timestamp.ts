import { parseGoDuration } from './parse-go-duration.js';

/**
 * docker's timetypes.GetTimestamp for `--since`/`--until`: a Go duration counts back from now
 * (whole seconds), an RFC 3339 date or date-time becomes `seconds.nanoseconds`, and a unix
 * timestamp passes through.
 */
export function toApiTimestamp(value: string, now: Date = new Date()): string {
  if (value !== '0') {
    try {
      return String(Math.trunc((now.getTime() - parseGoDuration(value)) / 1000));
    } catch {
      // not a duration
    }
  }
  const date = parseDateTime(value);
  if (date) return `${Math.floor(date.ms / 1000)}.${String(((date.ms % 1000) + 1000) % 1000).padStart(3, '0')}${date.subMs}`;
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse as RFC 3339`);
  if (!/^\d+(\.\d{1,9})?$/.test(value)) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return value;
}

/** Dates without a zone are local time, as docker reads them. */
function parseDateTime(value: string): { ms: number; subMs: string } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const fracMs = Number((frac + '000').slice(0, 3));
  const subMs = frac.padEnd(9, '0').slice(3, 9);
  let ms: number;
  if (zone) {
    ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s, fracMs);
    if (zone.toUpperCase() !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    }
  } else {
    ms = new Date(+y!, +mo! - 1, +d!, +h, +mi, +s, fracMs).getTime();
  }
  return Number.isNaN(ms) ? undefined : { ms, subMs };
}
