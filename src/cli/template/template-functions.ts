import { GO_JSON, formatNumber, formatTemplateValue, isTrue } from './template-value.js';

export type TemplateFunction = (...args: unknown[]) => unknown;

const str = (v: unknown): string => (typeof v === 'string' ? v : formatTemplateValue(v));

/** text/template's builtins plus the functions docker adds (templates.basicFunctions). */
export const BASIC_FUNCTIONS: Record<string, TemplateFunction> = {
  json: (v) => {
    const own = v && typeof v === 'object' ? (v as { [GO_JSON]?: () => string })[GO_JSON] : undefined;
    return own ? own.call(v) : JSON.stringify(v === undefined ? null : v);
  },
  split: (s, sep) => str(s).split(str(sep)),
  join: (list, sep) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  title: (s) => str(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase()),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  pad: (s, prefix, suffix) => (str(s) === '' ? '' : ' '.repeat(Number(prefix)) + str(s) + ' '.repeat(Number(suffix))),
  truncate: (s, n) => (str(s).length < Number(n) ? str(s) : str(s).slice(0, Number(n))),
  index: (container, ...keys) => {
    let v: unknown = container;
    for (const k of keys) {
      if (v === null || v === undefined) return undefined;
      if (Array.isArray(v)) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= v.length) throw new Error(`error calling index: index out of range: ${formatTemplateValue(k)}`);
        v = v[i];
      } else if (typeof v === 'object') {
        // a missing key gives the zero value: docker's label maps hold strings
        v = (v as Record<string, unknown>)[String(k)] ?? '';
      } else {
        throw new Error(`error calling index: can't index item of type ${typeof v}`);
      }
    }
    return v;
  },
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new Error(`error calling len: len of type ${typeof v}`);
  },
  print: (...args) => args.map(str).join(''),
  println: (...args) => `${args.map(str).join(' ')}\n`,
  printf: (format, ...args) => sprintf(str(format), args),
  eq: (a, ...rest) => rest.some((b) => sameValue(a, b)),
  ne: (a, b) => !sameValue(a, b),
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  not: (v) => !isTrue(v),
  and: (...args) => args.find((a) => !isTrue(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => isTrue(a)) ?? args[args.length - 1],
};

const first = (v: unknown) => v;

/** A missing value and nil compare equal, as a nil pointer does to nil in Go. */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || ((a === undefined || a === null) && (b === undefined || b === null));
}

/**
 * Used when rendering a table header: the header context holds column titles, which must come
 * out unchanged (docker's templates.HeaderFunctions).
 */
export const HEADER_FUNCTIONS: Record<string, TemplateFunction> = {
  ...BASIC_FUNCTIONS,
  json: first,
  split: first,
  join: first,
  title: first,
  lower: first,
  upper: first,
  truncate: first,
};

/** The part of Go's fmt.Sprintf templates use: %s %v %d %q %f %x with flags, width, precision. */
export function sprintf(format: string, args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([svdqfxXt%])/g, (_m, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    const arg = args[n++];
    let out: string;
    switch (verb) {
      case 'd':
        out = typeof arg === 'number' ? Math.trunc(arg).toString() : `%!d(${str(arg)})`;
        break;
      case 'f':
        out = typeof arg === 'number' ? arg.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${str(arg)})`;
        break;
      case 'q':
        out = JSON.stringify(str(arg));
        break;
      case 'x':
      case 'X':
        out = typeof arg === 'number' ? arg.toString(16) : Buffer.from(str(arg)).toString('hex');
        if (verb === 'X') out = out.toUpperCase();
        break;
      case 't':
        out = String(Boolean(arg));
        break;
      default:
        out = typeof arg === 'number' ? formatNumber(arg) : str(arg);
        if (prec !== undefined && verb === 's') out = out.slice(0, Number(prec));
    }
    const w = width === undefined ? 0 : Number(width);
    if (out.length < w) out = flags.includes('-') ? out.padEnd(w) : out.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
    return out;
  });
}
