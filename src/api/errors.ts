import {
  Conflict, Forbidden, Internal, InvalidArgument, NotFound, NotImplemented, NotModified, Unauthorized, Unavailable,
} from '../common/errors.js';

const statuses: [new (...a: never[]) => Error, number][] = [
  [InvalidArgument, 400], [Unauthorized, 401], [Forbidden, 403], [NotFound, 404], [Conflict, 409],
  [NotModified, 304], [NotImplemented, 501], [Unavailable, 503], [Internal, 500],
];

/**
 * The one place that picks an HTTP status for an error: the first error class found walking
 * `cause` decides; anything else is a 500.
 */
export function statusOf(err: unknown): number {
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    for (const [cls, status] of statuses) if (e instanceof cls) return status;
  }
  return 500;
}

export function messageOfError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
