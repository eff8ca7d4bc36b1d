/**
 * One class per outcome. Domains throw these at the source; only api/errors.ts maps them to
 * HTTP statuses (it walks `cause`, so a domain error may wrap a lower one and keep its status).
 */
export class BerthError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidArgument extends BerthError {}
export class Unauthorized extends BerthError {}
export class Forbidden extends BerthError {}
export class NotFound extends BerthError {}
/** Name in use, object in use, not running, already exists. */
export class Conflict extends BerthError {}
export class NotModified extends BerthError {}
export class NotImplemented extends BerthError {}
export class Unavailable extends BerthError {}
export class Internal extends BerthError {}

/** The errno code of a Node system error (`ENOENT`, ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isNotFoundError(err: unknown): boolean {
  return errnoCode(err) === 'ENOENT';
}

/** The message of anything thrown, for joining into another message. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
