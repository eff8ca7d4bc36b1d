/**
 * Enough of distribution/reference for the CLI: normalize `busybox` to
 * `docker.io/library/busybox`, print the familiar form back, and split tags and digests.
 */
export interface ImageReference {
  /** Registry host, `docker.io` when none is given. */
  domain: string;
  /** Repository path, `library/x` for official images on docker.io. */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;

export class InvalidReference extends Error {
  constructor(detail = '') {
    super(`invalid reference format${detail ? `: ${detail}` : ''}`);
    this.name = 'InvalidReference';
  }
}

export function parseImageReference(text: string): ImageReference {
  if (text === '' || text.length > 255) throw new InvalidReference();
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReference();
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReference();
  }
  const slash = rest.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase()) throw new InvalidReference(`repository name (${path}) must be lowercase`);
  if (!path.split('/').every((c) => COMPONENT.test(c))) throw new InvalidReference();
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `docker.io/library/busybox` */
export function normalizedName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** `busybox`, `user/app`, `localhost:5000/x/bb` */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice('library/'.length) : ref.path;
}

/** The familiar name with tag and digest. */
export function familiarString(ref: ImageReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Adds `latest` when neither tag nor digest is given (reference.TagNameOnly). */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}
