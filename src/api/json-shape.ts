import { InvalidArgument } from '../common/errors.js';

/**
 * The shape of a JSON request body as moby's Go structs decode it: a string field takes only a
 * string, an int64 only an integral number within range, a struct only an object. `null` is
 * accepted anywhere (Go leaves the zero value) and so are unknown fields (the swagger promises an
 * open schema). What does not fit is the client's error, found before any of it is used.
 */
export type Shape =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'any'
  | { array: Shape }
  | { map: Shape }
  | { object: Record<string, Shape> }
  /** The first shape that fits (Cmd is a string or an array of strings). */
  | { oneOf: Shape[] };

const INT64 = 2 ** 63;

export const strings: Shape = { array: 'string' };
export const stringMap: Shape = { map: 'string' };

/** What a value is, for a message: `string "x"`, `number 1.5`, `an object`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function want(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'integer' ? 'an integer' : shape === 'any' ? 'a value' : `a ${shape}`;
  if ('array' in shape) return 'an array';
  if ('map' in shape || 'object' in shape) return 'an object';
  return shape.oneOf.map(want).join(' or ');
}

function fits(v: unknown, shape: Shape): boolean {
  try {
    checkShape(v, shape, '');
    return true;
  } catch {
    return false;
  }
}

/** Throws InvalidArgument naming the first field (`HostConfig.Ulimits[0].Soft`) that does not fit. */
export function checkShape(v: unknown, shape: Shape, path: string): void {
  if (v === null || v === undefined || shape === 'any') return;
  const fail = (): never => {
    throw new InvalidArgument(`invalid ${path || 'request body'}: want ${want(shape)}, got ${describe(v)}`);
  };
  if (shape === 'string') {
    if (typeof v !== 'string') fail();
  } else if (shape === 'boolean') {
    if (typeof v !== 'boolean') fail();
  } else if (shape === 'integer') {
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) >= INT64) fail();
  } else if ('array' in shape) {
    if (!Array.isArray(v)) fail();
    (v as unknown[]).forEach((x, i) => checkShape(x, shape.array, `${path}[${i}]`));
  } else if ('map' in shape) {
    if (typeof v !== 'object' || Array.isArray(v)) fail();
    for (const [k, x] of Object.entries(v as object)) checkShape(x, shape.map, `${path}[${JSON.stringify(k)}]`);
  } else if ('object' in shape) {
    if (typeof v !== 'object' || Array.isArray(v)) fail();
    for (const [k, s] of Object.entries(shape.object)) {
      if (Object.hasOwn(v as object, k)) checkShape((v as Record<string, unknown>)[k], s, path ? `${path}.${k}` : k);
    }
  } else if (!shape.oneOf.some((s) => fits(v, s))) {
    fail();
  }
}
