/** Docker's texts for image errors; every other message follows STYLE. */
import { BerthError, Conflict, Internal, NotFound, messageOf } from '../common/errors.js';

/** Docker's short id: 12 hex characters without the algorithm. */
export function shortId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}

export function noSuchImage(ref: string): NotFound {
  return new NotFound(`No such image: ${ref}`);
}

export function usedByContainerConflict(ref: string, containerId: string, imageId: string): Conflict {
  return new Conflict(
    `conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(containerId)} is using its referenced image ${shortId(imageId)}`,
  );
}

/** Docker's imageDeleteConflict: hard conflicts cannot be forced. */
export function deleteConflict(imageId: string, hard: boolean, reason: string): Conflict {
  return new Conflict(`conflict: unable to delete ${shortId(imageId)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${reason}`);
}

/**
 * Adds context to an error while keeping its class, and so its status: `unpack layer "…": …`.
 * Errors that are not Berth's (system errors) become Internal, with the original as cause.
 */
export function withContext(context: string, err: unknown): BerthError {
  const message = `${context}: ${messageOf(err)}`;
  if (err instanceof BerthError) {
    const Ctor = err.constructor as new (m: string, o: { cause: unknown }) => BerthError;
    return new Ctor(message, { cause: err });
  }
  return new Internal(message, { cause: err });
}
