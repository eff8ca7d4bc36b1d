import { GO_TYPE_NAME } from '../template/go-template.js';
import { GO_FORMAT, GO_JSON, GoNil, formatNested } from '../template/template-value.js';
import { INSPECT_ROOTS, INSPECT_TYPES } from './inspect-types.js';

export type InspectKind = keyof typeof INSPECT_ROOTS;

type GoValue = Record<string | symbol, unknown>;

/** A `struct{}` (the values of ExposedPorts and Volumes): prints `{}` and, as any struct, is true. */
class EmptyStruct {}

/**
 * Gives `target` the JSON the daemon sent (what docker's `json`, an encoder without HTML
 * escaping, writes back) and, for a
 * struct or slice, its Go type name (a field it lacks is then an error, not a missing map key).
 */
function asGo<T extends object>(target: T, raw: unknown, type: string | undefined, format?: () => string): T {
  const v = target as unknown as GoValue;
  if (type !== undefined) v[GO_TYPE_NAME] = type;
  v[GO_JSON] = () => JSON.stringify(raw);
  if (format) v[GO_FORMAT] = format;
  return target;
}

const RFC3339 = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** A time.Time as Go's String() prints it (`2006-01-02 15:04:05.999999999 +0000 UTC`); the text itself when it is no RFC 3339 time. */
function goTimeString(text: string): string {
  const m = RFC3339.exec(text);
  if (!m) return text;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const offset = m[4] === 'Z' ? '+0000 UTC' : `${m[4]!.replace(':', '')} ${m[4]!.replace(':', '')}`;
  return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ''} ${offset}`;
}

/** A time.Time: prints as Go does, marshals as the daemon sent it (absent: Go's zero time). */
class GoTime {}

function goTime(value: unknown): GoTime {
  const text = typeof value === 'string' ? value : '0001-01-01T00:00:00Z';
  return asGo(new GoTime(), text, 'time.Time', () => goTimeString(text));
}

/** Go's name for a value of `kind` (for errors): `[]string`, `map[string]*network.IPAM`. */
function goTypeName(kind: string, pkg: string): string {
  if (kind.startsWith('*')) return `*${goTypeName(kind.slice(1), pkg)}`;
  if (kind.startsWith('[]')) return `[]${goTypeName(kind.slice(2), pkg).replace(/^\*/, '')}`;
  if (kind.startsWith('map:')) return `map[string]${goTypeName(kind.slice(4), pkg)}`;
  switch (kind) {
    case 's': return 'string';
    case 'n': return 'int64';
    case 'b': return 'bool';
    case 'any': return 'interface {}';
    case 'E': return 'struct {}';
    case 't': return 'time.Time';
    default: return `*${pkg}.${kind}`;
  }
}

function convert(value: unknown, kind: string, pkg: string): unknown {
  if (kind.startsWith('*') || kind === 'any') return value ?? null;
  if (kind === 's') return value ?? '';
  if (kind === 'n') return value ?? 0;
  if (kind === 'b') return value ?? false;
  if (kind === 't') return goTime(value);
  if (kind.startsWith('[]')) {
    if (value === null || value === undefined) return new GoNil('slice', goTypeName(kind, pkg));
    if (!Array.isArray(value)) return value;
    const elem = kind.slice(2);
    // Slice elements are values, not pointers: their type name has no star.
    return asGo(value.map((v) => convert(v, elem, pkg)).map((v) => renameValue(v)), value, goTypeName(kind, pkg));
  }
  if (value === null || value === undefined) {
    if (kind.startsWith('map:')) return new GoNil('map', goTypeName(kind, pkg));
    if (kind === 'E') return value;
    return new GoNil('pointer', goTypeName(kind, pkg));
  }
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  if (kind === 'E') return asGo(new EmptyStruct(), value, 'struct {}', () => '{}');
  if (kind.startsWith('map:')) {
    const elem = kind.slice(4);
    const out: GoValue = {};
    for (const [k, v] of Object.entries(value)) out[k] = convert(v, elem, pkg);
    return asGo(out, value, undefined);
  }
  return struct(value as Record<string, unknown>, kind, pkg, goTypeName(kind, pkg));
}

/** A struct held by value (in a slice, or the top object): its type name loses the pointer star. */
function renameValue(v: unknown): unknown {
  const t = v !== null && typeof v === 'object' && !(v instanceof GoNil) ? (v as GoValue)[GO_TYPE_NAME] : undefined;
  if (typeof t === 'string' && t.startsWith('*')) (v as GoValue)[GO_TYPE_NAME] = t.slice(1);
  return v;
}

/**
 * The struct `name` decoded from `raw` as encoding/json fills a Go struct: every field of the
 * schema, those absent at their zero value, and nothing else. It prints as Go prints a struct,
 * its fields in the swagger's order (Go's own order where they agree).
 */
function struct(raw: Record<string, unknown>, name: string, pkg: string, type: string): GoValue {
  const fields = INSPECT_TYPES[name] ?? {};
  const out: GoValue = {};
  for (const [field, kind] of Object.entries(fields)) out[field] = convert(raw[field], kind, pkg);
  return asGo(out, raw, type, () => `{${Object.keys(fields).map((f) => formatNested(out[f])).join(' ')}}`);
}

/**
 * The inspect JSON as the docker CLI holds it after decoding it into its typed struct (its first
 * try at a template): a field the daemon left out evaluates to Go's zero value (`<nil>`, `map[]`,
 * `[]`, "", 0, false; `null` through json), a missing map key to `<no value>`, and a field name
 * the struct lacks is an error.
 */
export function typedInspect(raw: unknown, kind: InspectKind): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return renameValue(struct(raw as Record<string, unknown>, INSPECT_ROOTS[kind], kind, `*${kind}.${INSPECT_ROOTS[kind]}`));
}
