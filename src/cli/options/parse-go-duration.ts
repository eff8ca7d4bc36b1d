const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("1h30m", "90s", "1.5h", "-5m"), in milliseconds. */
export function parseGoDuration(text: string): number {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!m) {
    if (text === '0') return 0;
    throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  }
  let total = 0;
  for (const part of text.slice(m[1]!.length).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}
