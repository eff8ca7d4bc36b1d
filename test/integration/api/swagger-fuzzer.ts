/**
 * Requests made from the Engine API's swagger: for each operation, parameters and bodies of the
 * documented shape, or the same with hostile values put in at random places. Everything comes
 * from one seeded generator, so a failing request can be made again.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  required?: string[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'body' | 'header';
  type?: string;
  enum?: unknown[];
  schema?: Schema;
  required?: boolean;
}

export interface Operation {
  method: string;
  /** The swagger path, with {placeholders}. */
  path: string;
  parameters: Parameter[];
  consumes?: string[];
}

export interface FuzzRequest {
  op: Operation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  mutated: boolean;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that break assumptions: wrong types, edges of ranges, traversal, control characters, size. */
export const HOSTILE: unknown[] = [
  5, -1, 0, 1.5, 1e30, -1e30, 2 ** 63, 'x', '', '../../../../etc/passwd', '\u0000\u0001\u007f', 'é漢字\u202e', 'a'.repeat(5000),
  true, false, null, [], {}, [1, 'a', null], JSON.parse('{"__proto__": {"x": 1}}'), { nested: { deeper: [{}] } }, '-1', '1e999', 'NaN',
];

const HOSTILE_QUERY = ['abc', '-5x', '1e999', '', '%00', '{bad', '[]', '{"a":5}', '-9223372036854775809', 'a'.repeat(3000), '../..', 'true', '-1', '0x10'];

const STRINGS = ['', 'busybox', 'a', 'x-1', '/tmp', 'SIGTERM', '80/tcp', 'root', 'KEY=value', 'json-file', 'default', 'no', 'on-failure', 'rw', '1.0', 'localhost'];

export class SwaggerFuzzer {
  readonly operations: Operation[];

  constructor(private readonly spec: { paths: Record<string, Record<string, unknown>>; definitions: Record<string, Schema> }, readonly rnd: () => number) {
    this.operations = [];
    for (const [path, item] of Object.entries(spec.paths)) {
      const shared = (item.parameters as Parameter[] | undefined) ?? [];
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'delete', 'head'].includes(method)) continue;
        const o = op as { parameters?: Parameter[]; consumes?: string[] };
        this.operations.push({ method: method.toUpperCase(), path, parameters: [...shared, ...(o.parameters ?? [])], ...(o.consumes ? { consumes: o.consumes } : {}) });
      }
    }
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  /** A schema with its $ref followed and its allOf merged. */
  resolve(s: Schema | undefined): Schema {
    if (!s) return {};
    if (s.$ref) return this.resolve(this.spec.definitions[s.$ref.replace('#/definitions/', '')]);
    if (s.allOf) {
      const parts = s.allOf.map((x) => this.resolve(x));
      return { type: 'object', properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) };
    }
    return s;
  }

  /** A value of the schema's shape. */
  valid(schema: Schema | undefined, depth = 0): unknown {
    const s = this.resolve(schema);
    if (s.enum?.length) return this.pick(s.enum);
    switch (s.type) {
      case 'integer':
      case 'number': {
        const lo = s.minimum ?? 0;
        const hi = s.maximum ?? 1 << 30;
        return this.pick([lo, Math.min(hi, lo + 1), Math.floor(lo + this.rnd() * Math.min(hi - lo, 1e6)), Math.min(hi, 64 << 20)]);
      }
      case 'boolean':
        return this.chance(0.5);
      case 'string':
        return this.pick(STRINGS);
      case 'array':
        return depth > 3 ? [] : Array.from({ length: Math.floor(this.rnd() * 3) }, () => this.valid(s.items, depth + 1));
      default: {
        if (depth > 3) return {};
        const out: Record<string, unknown> = {};
        for (const [k, p] of Object.entries(s.properties ?? {})) if (this.chance(0.4) || s.required?.includes(k)) out[k] = this.valid(p, depth + 1);
        if (typeof s.additionalProperties === 'object') {
          for (let i = Math.floor(this.rnd() * 3); i > 0; i--) out[this.pick(STRINGS) || 'k'] = this.valid(s.additionalProperties, depth + 1);
        }
        return out;
      }
    }
  }

  /** The value with one hostile value put in at a random place (or in its stead). */
  mutate(v: unknown): unknown {
    if (this.chance(0.15) || v === null || typeof v !== 'object') return this.pick(HOSTILE);
    const copy = structuredClone(v) as Record<string, unknown> | unknown[];
    const keys = Object.keys(copy);
    if (!keys.length || this.chance(0.2)) {
      // defineProperty: an own "__proto__" key, as JSON.parse makes it, not a new prototype.
      Object.defineProperty(copy, this.pick(['Unknown', '__proto__', 'constructor', 'x'.repeat(300)]), { value: this.pick(HOSTILE), enumerable: true, writable: true, configurable: true });
      return copy;
    }
    const k = this.pick(keys);
    const inner = (copy as Record<string, unknown>)[k];
    (copy as Record<string, unknown>)[k] = inner !== null && typeof inner === 'object' && this.chance(0.6) ? this.mutate(inner) : this.pick(HOSTILE);
    return copy;
  }

  queryValue(p: Parameter, mutated: boolean): string {
    if (mutated && this.chance(0.5)) return this.pick(HOSTILE_QUERY);
    if (p.enum?.length) return String(this.pick(p.enum));
    if (p.name === 'filters') return JSON.stringify(this.chance(0.5) ? { label: ['a=b'] } : { [this.pick(['status', 'name', 'dangling', 'until', 'id'])]: [this.pick(['running', 'x', 'true', '1h', ''])] });
    switch (p.type) {
      case 'boolean':
        return this.pick(['1', '0', 'true', 'false']);
      case 'integer':
        return String(this.pick([0, 1, 5, -1, 100]));
      default:
        return this.pick(STRINGS);
    }
  }

  /**
   * A request for `op`. `ids` gives path parameter values that exist (containers, images, execs
   * the fuzzing made); `shape` fixes up what must not be fuzzed for the host's sake.
   */
  request(op: Operation, ids: (param: string, op: Operation) => string[], shape: (op: Operation, query: URLSearchParams, body: unknown) => unknown): FuzzRequest {
    const mutated = this.chance(0.6);
    let path = op.path;
    for (const p of op.parameters.filter((x) => x.in === 'path')) {
      const known = ids(p.name, op);
      const value = known.length && this.chance(0.6) ? this.pick(known) : String(this.pick([...HOSTILE, 'nonexistent']));
      path = path.replace(`{${p.name}}`, encodeURIComponent(value));
    }
    const query = new URLSearchParams();
    for (const p of op.parameters.filter((x) => x.in === 'query')) {
      if (p.required || this.chance(0.5)) query.append(p.name, this.queryValue(p, mutated));
    }
    const headers: Record<string, string> = {};
    if (this.chance(0.05)) headers['X-Registry-Auth'] = this.pick(['garbage', 'e30=', Buffer.from('[1]').toString('base64')]);
    const r: FuzzRequest = { op, method: op.method, path: '', headers, mutated };
    const bodyParam = op.parameters.find((x) => x.in === 'body');
    let body: unknown;
    if (bodyParam) {
      const json = !op.consumes || op.consumes.some((c) => c.includes('json'));
      if (json) {
        body = this.valid(bodyParam.schema);
        if (mutated && this.chance(0.7)) body = this.mutate(body);
      } else {
        body = Buffer.from(Array.from({ length: Math.floor(this.rnd() * 2048) }, () => Math.floor(this.rnd() * 256)));
      }
    }
    body = shape(op, query, body);
    r.path = `/v1.43${path}${query.size ? `?${query}` : ''}`;
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) {
        r.body = body;
        r.headers['Content-Type'] = 'application/x-tar';
      } else {
        r.body = mutated && this.chance(0.1) ? JSON.stringify(body).slice(0, -1) : JSON.stringify(body);
        r.headers['Content-Type'] = this.chance(0.95) ? 'application/json' : 'text/plain';
      }
    }
    return r;
  }
}
