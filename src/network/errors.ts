import { Conflict, InvalidArgument, NotFound } from '../common/errors.js';

/** Docker's texts for network errors: clients match on them. */

export function noSuchNetwork(ref: string): NotFound {
  return new NotFound(`network ${ref} not found`);
}

export function networkExists(name: string): Conflict {
  return new Conflict(`network with name ${name} already exists`);
}

export function networkInUse(name: string, id: string): Conflict {
  return new Conflict(`error while removing network: network ${name} id ${id} has active endpoints`);
}

export function predefinedNetwork(name: string): InvalidArgument {
  return new InvalidArgument(`${name} is a pre-defined network and cannot be removed`);
}


