/**
 * Image references as Docker parses them (distribution/reference: ParseNormalizedNamed,
 * TagNameOnly, FamiliarString), with Docker's error texts.
 */
import { isDigest, type Digest } from '../common/digest.js';
import { InvalidArgument } from '../common/errors.js';

export interface Reference {
  /** Registry host, with port: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

export const defaultDomain = 'docker.io';
export const defaultTag = 'latest';
const legacyDefaultDomain = 'index.docker.io';
const officialRepoPrefix = 'library/';
const nameTotalLengthMax = 255;

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainRe = `${host}(?::[0-9]+)?`;
const tagRe = '[\\w][\\w.-]{0,127}';
const digestRe = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const nameRe = `(?:${domainRe}/)?${pathComponent}(?:/${pathComponent})*`;
const referenceRe = new RegExp(`^(${nameRe})(?::(${tagRe}))?(?:@(${digestRe}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainRe})/)?(${pathComponent}(?:/${pathComponent})*)$`);
const anchoredTagRe = new RegExp(`^${tagRe}$`);
const identifierRe = /^[a-f0-9]{64}$/;

export const invalidReferenceFormat = 'invalid reference format';

/** distribution/reference.Parse: a reference exactly as written, without normalization. */
function parseExact(s: string): Reference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '') throw new InvalidArgument('repository name must have at least one component');
    if (referenceRe.test(s.toLowerCase())) throw new InvalidArgument(`${invalidReferenceFormat}: repository name must be lowercase`);
    throw new InvalidArgument(invalidReferenceFormat);
  }
  const name = m[1]!;
  if (name.length > nameTotalLengthMax) throw new InvalidArgument(`repository name must not be more than ${nameTotalLengthMax} characters`);
  const nm = anchoredNameRe.exec(name)!;
  const ref: Reference = { domain: nm[1] ?? '', path: nm[2]! };
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = parseRefDigest(m[3]);
  return ref;
}

function parseRefDigest(s: string): Digest {
  const [algorithm, hex = ''] = s.split(':');
  if (algorithm !== 'sha256') throw new InvalidArgument('unsupported digest algorithm');
  if (hex.length !== 64) throw new InvalidArgument('invalid checksum digest length');
  if (!isDigest(s)) throw new InvalidArgument('invalid checksum digest format');
  return s;
}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = defaultDomain;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !remainder.includes('/')) remainder = officialRepoPrefix + remainder;
  return [domain, remainder];
}

/**
 * Docker's ParseNormalizedNamed: `busybox` → docker.io/library/busybox, keeping the tag and
 * digest as written (no default tag).
 */
export function parseReference(s: string): Reference {
  if (identifierRe.test(s)) {
    throw new InvalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) throw new InvalidArgument(`${invalidReferenceFormat}: repository name must be lowercase`);
  return parseExact(`${domain}/${remainder}`);
}

/** parseReference plus Docker's TagNameOnly: a reference without tag or digest gets `latest`. */
export function normalizeReference(s: string): Reference {
  const ref = parseReference(s);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = defaultTag;
  return ref;
}

export function withTag(ref: Reference, tag: string): Reference {
  if (!anchoredTagRe.test(tag)) throw new InvalidArgument('invalid tag format');
  return { domain: ref.domain, path: ref.path, tag };
}

export function withDigest(ref: Reference, digest: Digest): Reference {
  return { domain: ref.domain, path: ref.path, digest };
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full string: `docker.io/library/busybox:latest`, `…@sha256:…`. */
export function referenceString(ref: Reference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Docker's FamiliarName: the repository as users write it, `busybox`, `me/app`, `localhost:5000/a/b`. */
export function familiarRepository(ref: Reference): string {
  if (ref.domain !== defaultDomain) return repositoryName(ref);
  const rest = ref.path.slice(officialRepoPrefix.length);
  return ref.path.startsWith(officialRepoPrefix) && !rest.includes('/') ? rest : ref.path;
}

/**
 * Docker's FamiliarString: the reference as users write it and as `docker images` shows it,
 * `busybox:latest`, `me/app@sha256:…`. Accepts a reference or a string to normalize.
 */
export function familiarName(ref: Reference | string): string {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  return familiarRepository(r) + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}
