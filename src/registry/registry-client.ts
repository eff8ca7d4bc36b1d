/**
 * The distribution API client (OCI distribution spec, Docker's token auth): ping, login, manifests
 * with content negotiation, blobs (download with resume, upload monolithic or chunked, cross-
 * repository mount) and tag listing, for one registry and one set of credentials.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { isDigest, sha256Digest, type Digest } from '../common/digest.js';
import { InvalidArgument, Unauthorized, Unavailable, messageOf } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import { mediaTypes, type Descriptor } from '../oci/image.js';
import { readErrorBody, registryError } from './registry-errors.js';
import type { RegistryEndpoint } from './registry-hosts.js';
import { RegistryHttp } from './registry-http.js';
import { TokenCache } from './token-cache.js';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth2 `refresh_token` grant). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}

export interface RegistryClientOptions {
  credentials?: RegistryCredentials;
  /** Shared across clients so that a token serves every pull of its scope until it expires. */
  tokens?: TokenCache;
  userAgent?: string;
  log?: Logger;
  /** Attempts per blob download before giving up (a dropped connection resumes with Range). */
  blobAttempts?: number;
}

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface BlobReadOptions {
  signal?: AbortSignal;
  /** Called with the bytes received so far. */
  onProgress?: (current: number) => void;
}

export interface BlobUploadOptions {
  signal?: AbortSignal;
  /** Upload in PATCH requests of this many bytes; monolithic (one PUT) when 0 or absent. */
  chunkSize?: number;
  /** Repositories of this registry that hold the blob: a mount from one of them is tried first. */
  mountFrom?: string[];
  onProgress?: (current: number) => void;
}

/** Opens the bytes `[start, end)` of a blob being pushed. */
export type BlobSource = (start: number, end: number) => Promise<Readable>;

/** What manifest GETs accept; schema 1 is accepted only to be refused with a clear message. */
export const manifestAccept = [
  mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest,
  'application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json',
].join(', ');

const maxManifest = 4 << 20;

type Scope = 'pull' | 'pull,push';

/** One registry, one identity. Not bound to a repository: each call names it. */
export class RegistryClient {
  private readonly http: RegistryHttp;
  private readonly tokens: TokenCache;
  private readonly log: Logger;
  private readonly credentials: RegistryCredentials;
  /** Learnt from the first 401: how this registry wants to be authenticated. */
  private challenge: Challenge | undefined;

  constructor(readonly endpoint: RegistryEndpoint, private readonly options: RegistryClientOptions = {}) {
    this.http = new RegistryHttp(endpoint);
    this.tokens = options.tokens ?? new TokenCache();
    this.log = options.log ?? silentLogger;
    this.credentials = options.credentials ?? {};
  }

  close(): void {
    this.http.close();
  }

  /**
   * Checks the credentials as `docker login` does: `/v2/` answered with them, or a token issued
   * for them. Returns the identity token the token server gave, if any.
   */
  async login(signal?: AbortSignal): Promise<{ identityToken: string }> {
    const res = await this.http.send('/v2/', { method: 'GET', headers: this.baseHeaders(), ...(signal ? { signal } : {}) });
    if (res.statusCode === 200) {
      res.resume();
      return { identityToken: '' };
    }
    if (res.statusCode !== 401) throw await registryError(res, `login to ${this.endpoint.domain}`);
    res.resume();
    const challenge = pickChallenge(parseWwwAuthenticate(res.headers['www-authenticate']));
    if (!challenge) throw new Unauthorized(`login to ${this.endpoint.domain}: the registry asks for authentication it does not describe`);
    this.challenge = challenge;
    const { username, password } = this.credentials;
    if (challenge.scheme === 'basic') {
      if (!username) throw new Unauthorized(`login to ${this.endpoint.domain}: unauthorized: authentication required`);
      const again = await this.http.send('/v2/', { method: 'GET', headers: { ...this.baseHeaders(), authorization: basic(username, password ?? '') }, ...(signal ? { signal } : {}) });
      if (again.statusCode === 200) {
        again.resume();
        return { identityToken: '' };
      }
      throw await registryError(again, `login attempt to ${this.endpoint.url}/v2/ failed with status: ${again.statusCode}`);
    }
    const token = await this.fetchToken(challenge, [], signal, true);
    return { identityToken: token.refreshToken ?? '' };
  }

  /**
   * Fetches a manifest or index by tag or digest. When `reference` is a digest, the bytes must
   * hash to it. Schema 1 manifests are refused.
   */
  async getManifest(repo: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const what = `manifest for ${this.endpoint.domain}/${repo}:${reference}`.replace(/:sha256:/, '@sha256:');
    const res = await this.request('GET', `/v2/${repo}/manifests/${reference}`, repo, 'pull', { headers: { accept: manifestAccept }, signal });
    if (res.statusCode !== 200) {
      const err = await registryError(res, what);
      if (res.statusCode === 404) throw Object.assign(err, { message: `${what} not found: ${err.message.slice(what.length + 2)}` });
      throw err;
    }
    const bytes = await readLimited(res, maxManifest, what);
    const mediaType = manifestMediaType(res.headers['content-type'], bytes);
    if (mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
      throw new InvalidArgument(`${what}: Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of ${this.endpoint.domain}/${repo}:${reference} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2`);
    }
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && digest !== reference) {
      throw new InvalidArgument(`${what}: manifest digest mismatch: got "${digest}"`);
    }
    return { digest, mediaType, bytes };
  }

  /** The digest a tag points at, without fetching the manifest; undefined when absent. */
  async headManifest(repo: string, reference: string, signal?: AbortSignal): Promise<Digest | undefined> {
    const res = await this.request('HEAD', `/v2/${repo}/manifests/${reference}`, repo, 'pull', { headers: { accept: manifestAccept }, signal });
    res.resume();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw await registryError(res, `manifest for ${repo}:${reference}`);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' && isDigest(d) ? d : undefined;
  }

  async putManifest(repo: string, reference: string, manifest: { mediaType: string; bytes: Buffer }, signal?: AbortSignal): Promise<Digest> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${reference}`, repo, 'pull,push', {
      headers: { 'content-type': manifest.mediaType, 'content-length': manifest.bytes.length },
      body: manifest.bytes,
      signal,
    });
    if (res.statusCode !== 201 && res.statusCode !== 200 && res.statusCode !== 202) throw await registryError(res, `put manifest ${repo}:${reference}`);
    res.resume();
    return sha256Digest(manifest.bytes);
  }

  /** The size of a blob in `repo`, or undefined when the repository does not have it. */
  async statBlob(repo: string, digest: Digest, scope: Scope = 'pull', signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, repo, scope, { signal });
    res.resume();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) throw await registryError(res, `blob ${digest}`);
    return Number(res.headers['content-length'] ?? -1);
  }

  /**
   * The blob's bytes as a stream. A connection that drops (or a 5xx) midway is resumed with a
   * Range request from the last byte received, a few times; the consumer verifies the digest.
   */
  openBlob(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, options: BlobReadOptions = {}): Readable {
    return Readable.from(this.blobChunks(repo, desc, options), { objectMode: false, highWaterMark: 1 << 20 });
  }

  private async *blobChunks(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, options: BlobReadOptions): AsyncGenerator<Buffer> {
    const { signal, onProgress } = options;
    const attempts = this.options.blobAttempts ?? 5;
    let offset = 0;
    let failures = 0;
    let lastError: unknown;
    for (;;) {
      signal?.throwIfAborted();
      if (failures >= attempts) {
        throw new Unavailable(`download blob "${desc.digest}": failed after ${failures} attempts at byte ${offset} of ${desc.size}: ${messageOf(lastError)}`, { cause: lastError });
      }
      if (failures > 0) await delay(Math.min(2000, 100 * 2 ** failures), signal);
      let res: IncomingMessage;
      try {
        res = await this.request('GET', `/v2/${repo}/blobs/${desc.digest}`, repo, 'pull', {
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          signal,
        });
      } catch (err) {
        if (signal?.aborted || !(err instanceof Unavailable)) throw err;
        failures++;
        lastError = err;
        continue;
      }
      const status = res.statusCode ?? 0;
      if (status >= 500 || status === 429) {
        lastError = new Unavailable(`status ${status}: ${(await readErrorBody(res)).trim().slice(0, 200)}`);
        failures++;
        continue;
      }
      if (status !== 200 && status !== 206) throw await registryError(res, `download blob "${desc.digest}"`);
      // A server that ignores Range sends everything again: skip what we have.
      let skip = status === 200 ? offset : 0;
      if (status === 200) offset = 0;
      try {
        for await (const raw of res) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            offset += n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          offset += chunk.length;
          if (offset > desc.size) throw new InvalidArgument(`blob "${desc.digest}": size mismatch: expected ${desc.size} bytes, got more`);
          onProgress?.(offset);
          yield chunk;
        }
      } catch (err) {
        if (signal?.aborted || err instanceof InvalidArgument) throw err;
        this.log.debug('blob download interrupted, resuming', { digest: desc.digest, offset, error: messageOf(err) });
        failures++;
        lastError = err;
        continue;
      }
      if (offset >= desc.size) return;
      failures++;
      lastError = new Unavailable(`the connection ended at byte ${offset}`);
    }
  }

  /**
   * Makes `repo` hold the blob: a cross-repository mount when the registry allows it, else an
   * upload (one PUT, or PATCHes of `chunkSize` then a PUT). Says the repository it was mounted from.
   */
  async pushBlob(repo: string, desc: Pick<Descriptor, 'digest' | 'size'>, openSource: () => Promise<BlobSource>, options: BlobUploadOptions = {}): Promise<{ mountedFrom?: string }> {
    const { signal } = options;
    let location: string | undefined;
    for (const from of options.mountFrom ?? []) {
      if (from === repo) continue;
      const res = await this.request('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`, repo, 'pull,push', {
        headers: { 'content-length': 0 }, body: Buffer.alloc(0), signal, extraScopes: [`repository:${from}:pull`],
      });
      res.resume();
      if (res.statusCode === 201) return { mountedFrom: from };
      if (res.statusCode === 202) {
        location = header(res, 'location');
        break;
      }
    }
    if (location === undefined) {
      const res = await this.request('POST', `/v2/${repo}/blobs/uploads/`, repo, 'pull,push', { headers: { 'content-length': 0 }, body: Buffer.alloc(0), signal });
      if (res.statusCode !== 202) throw await registryError(res, `start upload of blob "${desc.digest}" to ${repo}`);
      res.resume();
      location = header(res, 'location');
    }
    if (!location) throw new Unavailable(`start upload of blob "${desc.digest}" to ${repo}: the registry gave no upload location`);
    const source = await openSource();
    const auth = await this.authHeader(repo, 'pull,push', signal);
    const chunkSize = options.chunkSize ?? 0;
    if (chunkSize > 0 && desc.size > chunkSize) {
      for (let start = 0; start < desc.size; start += chunkSize) {
        const end = Math.min(desc.size, start + chunkSize);
        const res = await this.http.send(location, {
          method: 'PATCH',
          headers: { ...this.baseHeaders(), ...auth, 'content-type': 'application/octet-stream', 'content-length': end - start, 'content-range': `${start}-${end - 1}` },
          body: await source(start, end),
          ...(signal ? { signal } : {}),
        });
        if (res.statusCode !== 202) throw await registryError(res, `upload blob "${desc.digest}" to ${repo}`);
        res.resume();
        location = header(res, 'location') ?? location;
        options.onProgress?.(end);
      }
      const res = await this.http.send(withDigest(location, desc.digest, this.endpoint.url), {
        method: 'PUT', headers: { ...this.baseHeaders(), ...auth, 'content-length': 0 }, body: Buffer.alloc(0), ...(signal ? { signal } : {}),
      });
      if (res.statusCode !== 201) throw await registryError(res, `commit blob "${desc.digest}" to ${repo}`);
      res.resume();
      return {};
    }
    const body = await source(0, desc.size);
    let sent = 0;
    body.on('data', (c: Buffer) => options.onProgress?.((sent += c.length)));
    const res = await this.http.send(withDigest(location, desc.digest, this.endpoint.url), {
      method: 'PUT',
      headers: { ...this.baseHeaders(), ...auth, 'content-type': 'application/octet-stream', 'content-length': desc.size },
      body,
      ...(signal ? { signal } : {}),
    });
    if (res.statusCode !== 201) throw await registryError(res, `upload blob "${desc.digest}" to ${repo}`);
    res.resume();
    return {};
  }

  /** Every tag of `repo`, following the `Link` header's pages. */
  async listTags(repo: string, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list`;
    while (path) {
      const res = await this.request('GET', path, repo, 'pull', { signal });
      if (res.statusCode !== 200) throw await registryError(res, `list tags of ${this.endpoint.domain}/${repo}`);
      const body = JSON.parse((await readLimited(res, maxManifest, 'tag list')).toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res, 'link') ?? '');
      path = link?.[1];
    }
    return tags;
  }

  private baseHeaders(): OutgoingHttpHeaders {
    return { 'user-agent': this.options.userAgent ?? 'berth/0.1.0', 'docker-distribution-api-version': 'registry/2.0' };
  }

  /**
   * Sends a request with the credentials this registry asked for; on a 401 learns the challenge
   * and retries once. Only requests with a buffer (or no) body are sent twice.
   */
  private async request(
    method: string,
    path: string,
    repo: string,
    scope: Scope,
    o: { headers?: OutgoingHttpHeaders; body?: Buffer; signal?: AbortSignal | undefined; extraScopes?: string[] } = {},
  ): Promise<IncomingMessage> {
    const send = async () => this.http.send(path, {
      method,
      headers: { ...this.baseHeaders(), ...(await this.authHeader(repo, scope, o.signal, o.extraScopes)), ...o.headers },
      ...(o.body ? { body: o.body } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    let res = await send();
    if (res.statusCode !== 401) return res;
    const challenge = pickChallenge(parseWwwAuthenticate(res.headers['www-authenticate']));
    const known = this.challenge;
    const hadAuth = known !== undefined && (known.scheme === 'bearer' || this.credentials.username !== undefined);
    if (!challenge || (hadAuth && challenge.scheme === known.scheme && challenge.params.error !== 'insufficient_scope')) return res;
    res.resume();
    this.challenge = challenge;
    res = await send();
    return res;
  }

  private async authHeader(repo: string, scope: Scope, signal?: AbortSignal, extraScopes: string[] = []): Promise<OutgoingHttpHeaders> {
    const c = this.challenge;
    if (!c) return {};
    if (c.scheme === 'basic') {
      const { username, password } = this.credentials;
      return username ? { authorization: basic(username, password ?? '') } : {};
    }
    if (c.scheme !== 'bearer') return {};
    if (this.credentials.registryToken) return { authorization: `Bearer ${this.credentials.registryToken}` };
    const { token } = await this.fetchToken(c, [`repository:${repo}:${scope}`, ...extraScopes], signal, false);
    return { authorization: `Bearer ${token}` };
  }

  /** docker-registry-auth token.md (GET with basic auth) and oauth.md (refresh_token grant). */
  private async fetchToken(c: Challenge, scopes: string[], signal: AbortSignal | undefined, fresh: boolean): Promise<{ token: string; refreshToken?: string }> {
    const realm = c.params.realm;
    if (!realm) throw new Unauthorized(`${this.endpoint.domain}: bearer challenge without a realm`);
    const service = c.params.service ?? '';
    const { username, password, identityToken } = this.credentials;
    const key = JSON.stringify([realm, service, scopes, username ?? '', identityToken ?? '']);
    if (!fresh) {
      const cached = this.tokens.get(key);
      if (cached) return { token: cached };
    }
    const url = new URL(realm);
    let res: IncomingMessage;
    const tokenHttp = new RegistryHttp({ ...this.endpoint, url: `${url.protocol}//${url.host}` });
    try {
      if (identityToken) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, service, client_id: 'berth' });
        if (scopes.length) form.set('scope', scopes.join(' '));
        const body = Buffer.from(form.toString());
        res = await tokenHttp.send(url.href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length }, body, ...(signal ? { signal } : {}) });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        if (username && fresh) {
          url.searchParams.set('account', username);
          url.searchParams.set('offline_token', 'true');
          url.searchParams.set('client_id', 'berth');
        }
        res = await tokenHttp.send(url.href, { method: 'GET', headers: username ? { authorization: basic(username, password ?? '') } : {}, ...(signal ? { signal } : {}) });
      }
      if (res.statusCode !== 200) {
        const err = await registryError(res, `get token from ${url.origin}${url.pathname}`);
        throw res.statusCode === 401 ? new Unauthorized(`${err.message}`, { cause: err }) : err;
      }
      const body = JSON.parse((await readLimited(res, 1 << 20, 'token')).toString('utf8')) as { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new Unauthorized(`${this.endpoint.domain}: the token server answered without a token`);
      this.tokens.set(key, token, body.expires_in ?? 60);
      return { token, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}) };
    } finally {
      tokenHttp.close();
    }
  }
}

function pickChallenge(cs: Challenge[]): Challenge | undefined {
  return cs.find((c) => c.scheme === 'bearer') ?? cs.find((c) => c.scheme === 'basic');
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function withDigest(location: string, digest: Digest, base: string): string {
  const u = new URL(location, base);
  u.searchParams.set('digest', digest);
  return u.href;
}

/** The manifest's media type: the header, else the document's own field, else by shape. */
function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  let doc: { mediaType?: string; manifests?: unknown; schemaVersion?: number; config?: unknown } = {};
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch (err) {
    throw new InvalidArgument(`malformed manifest: ${messageOf(err)}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null) throw new InvalidArgument('malformed manifest: not a JSON object');
  if (doc.schemaVersion === 1) return 'application/vnd.docker.distribution.manifest.v1+json';
  if (ct && ct !== 'application/json' && ct !== 'text/plain' && ct !== 'application/octet-stream') return ct;
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  return Array.isArray(doc.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest;
}

async function readLimited(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new InvalidArgument(`${what}: larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
