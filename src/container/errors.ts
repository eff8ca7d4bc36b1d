import { Conflict, InvalidArgument, NotFound, NotModified } from '../common/errors.js';

/** Docker's own texts for container errors: clients and scripts match on them. */

export function noSuchContainer(ref: string): NotFound {
  return new NotFound(`No such container: ${ref}`);
}

export function nameInUse(name: string, id: string): Conflict {
  return new Conflict(
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

export function invalidName(name: string): InvalidArgument {
  return new InvalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
}

export function notRunning(id: string): Conflict {
  return new Conflict(`Container ${id} is not running`);
}

export function isPaused(id: string): Conflict {
  return new Conflict(`Container ${id} is paused, unpause the container before stopping or killing`);
}

export function cannotStartPaused(): Conflict {
  return new Conflict('cannot start a paused container, try unpause instead');
}

export function notPaused(id: string): Conflict {
  return new Conflict(`Container ${id} is not paused`);
}

export function alreadyPaused(id: string): Conflict {
  return new Conflict(`Container ${id} is already paused`);
}

export function cannotRemoveRunning(name: string): Conflict {
  return new Conflict(
    `cannot remove container "/${name}": container is running: stop the container before removing or force remove`,
  );
}

export function cannotKill(id: string): Conflict {
  return new Conflict(`Cannot kill container: ${id}: Container ${id} is not running`);
}

export function alreadyStarted(): NotModified {
  return new NotModified('container already started');
}

export function alreadyStopped(): NotModified {
  return new NotModified('container already stopped');
}

export function noSuchExec(id: string): NotFound {
  return new NotFound(`No such exec instance: ${id}`);
}
