import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgument } from './errors.js';

/** A content digest, `sha256:<64 hex>`. */
export type Digest = string & { readonly __digest: unique symbol };

const digestRe = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return digestRe.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new InvalidArgument(`invalid digest "${s}": expected sha256 followed by 64 hex characters`);
  return s;
}

export function sha256Digest(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/** The 64 hex characters of a digest. */
export function digestHex(d: Digest): string {
  return d.slice(7);
}

/** A random 64-hex identifier, as Docker uses for containers and execs. */
export function randomId(): string {
  return randomBytes(32).toString('hex');
}
