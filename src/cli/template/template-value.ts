/**
 * Objects that marshal themselves the way Go would (docker's formatter contexts go through
 * json.Marshal, which escapes <, > and &) return their JSON text from this method.
 */
export const GO_JSON = Symbol('goJson');

/** Objects that print themselves as Go's fmt would print the Go value they stand for (`{a b}` for a struct). */
export const GO_FORMAT = Symbol('goFormat');

/**
 * A nil pointer, map or slice of a typed value: prints as Go prints it (`<nil>`, `map[]`, `[]`),
 * marshals to `null`, is false, has length 0 and ranges over nothing. `type` is its Go type, for
 * errors (`*volume.UsageData`, `[]string`). It has no enumerable properties on purpose.
 */
export class GoNil {
  readonly #kind: 'pointer' | 'map' | 'slice';
  readonly #type: string;

  constructor(kind: 'pointer' | 'map' | 'slice', type: string) {
    this.#kind = kind;
    this.#type = type;
  }

  get kind(): 'pointer' | 'map' | 'slice' {
    return this.#kind;
  }

  get type(): string {
    return this.#type;
  }

  [GO_FORMAT](): string {
    return this.#kind === 'map' ? 'map[]' : this.#kind === 'slice' ? '[]' : '<nil>';
  }

  [GO_JSON](): string {
    return 'null';
  }
}

/** JSON as Go's json.Marshal writes it: HTML characters and line separators escaped. */
export function goMarshal(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * How Go's fmt prints the values a template produces (`%v`): maps as `map[k:v]` with sorted keys,
 * slices as `[a b]`, nil inside containers as `<nil>`, a missing value as `<no value>`.
 */
export function formatTemplateValue(value: unknown): string {
  if (value === undefined) return '<no value>';
  return formatNested(value);
}

export function formatNested(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  const own = typeof value === 'object' ? (value as { [GO_FORMAT]?: () => string })[GO_FORMAT] : undefined;
  if (own) return own.call(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatNested).join(' ')}]`;
  if (typeof value === 'object') {
    const stringer = (value as { toString?: () => string }).toString;
    if (Object.getPrototypeOf(value) !== Object.prototype && typeof stringer === 'function' && stringer !== Object.prototype.toString) {
      return stringer.call(value);
    }
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${formatNested((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** Integers print whole (docker's structs hold ints); other numbers as Go prints a float64. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's notion of truth for `if`, `and`, `or`, `not`: zero values and empty containers are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '' || value instanceof GoNil) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.keys(value).length > 0;
  return true;
}
