import {
  Conflict, Forbidden, Internal, InvalidArgument, NotFound, NotImplemented, NotModified, Unauthorized, Unavailable,
} from '../common/errors.js';

/**
 * What is wrong with the HTTP exchange itself rather than with what it asks for: a method the
 * path does not have (405), a client too slow to send its request (408), a body over the limit
 * (413). No domain throws these; the server and the request context do.
 */
export class HttpError extends Error {
  constructor(readonly status: 405 | 408 | 413 | 431, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

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
    if (e instanceof HttpError) return e.status;
    for (const [cls, status] of statuses) if (e instanceof cls) return status;
  }
  return 500;
}

export function messageOfError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const statusText: Record<number, string> = {
  304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};
