import { Conflict, InvalidArgument, NotFound } from '../common/errors.js';

/** Docker's texts for volume errors (moby's volume OpErr: "<op> <name>: <error>"). */

export function noSuchVolume(name: string, op = 'get'): NotFound {
  return new NotFound(`${op} ${name}: no such volume`);
}

export function volumeInUse(name: string, users: readonly string[]): Conflict {
  return new Conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
}

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Checks a volume name as the local driver does. */
export function checkVolumeName(name: string): void {
  if (name.length === 1) {
    throw new InvalidArgument(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  }
  if (!VALID_NAME.test(name)) {
    throw new InvalidArgument(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** Whether a bind's source names a volume rather than a host path. */
export function isVolumeName(source: string): boolean {
  return !source.startsWith('/') && !source.startsWith('.') && !source.startsWith('~');
}
