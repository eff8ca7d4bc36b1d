const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** go-units HumanSizeWithPrecision: decimal units, `%.<precision>g` ("1.98MB", "0B", "1.24kB"). */
export function humanSize(bytes: number, precision = 4): string {
  const [value, unit] = scale(bytes, 1000, DECIMAL_UNITS);
  return `${formatGoFloatG(value, precision)}${unit}`;
}

/** go-units BytesSize: binary units with two decimals ("23.54GiB"). */
export function bytesSize(bytes: number): string {
  const [value, unit] = scale(bytes, 1024, BINARY_UNITS);
  return `${formatGoFloatG(value, 4)}${unit}`;
}

function scale(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/**
 * Go's `%.<p>g`: `p` significant digits, exponent form when the exponent is < -4 or >= p,
 * trailing zeros dropped, exponent with sign and at least two digits ("1e+03").
 */
export function formatGoFloatG(value: number, precision: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const p = Math.max(precision, 1);
  const [mantissa, expText] = value.toExponential(p - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= p) {
    const m = stripZeros(mantissa!);
    const sign = exp < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, p - 1 - exp)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
