/**
 * One HTTP exchange with a registry, following redirects (blob downloads are often redirected to
 * storage): the Authorization header is dropped when a redirect leaves the registry's host.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Unavailable, messageOf } from '../common/errors.js';
import type { RegistryEndpoint } from './registry-hosts.js';

export interface HttpOptions {
  method: string;
  headers?: OutgoingHttpHeaders;
  /** A buffer, or a stream sent with the given Content-Length or chunked. */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

const maxRedirects = 5;

/** Keep-alive agents per endpoint, carrying its TLS material. */
export class RegistryHttp {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https: HttpsAgent;

  constructor(readonly endpoint: RegistryEndpoint) {
    this.https = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      ...(endpoint.ca ? { ca: [...rootCertificates, ...endpoint.ca] } : {}),
      ...(endpoint.cert && endpoint.key ? { cert: endpoint.cert, key: endpoint.key } : {}),
    });
  }

  /** Resolves with the response once its headers arrived; the caller consumes or destroys it. */
  async send(url: string, options: HttpOptions): Promise<IncomingMessage> {
    let target = new URL(url, this.endpoint.url);
    const origin = new URL(this.endpoint.url).host;
    let headers = { ...options.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.once(target, { ...options, headers });
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(status) || !location || hop >= maxRedirects || (options.body && !Buffer.isBuffer(options.body))) return res;
      res.resume();
      target = new URL(location, target);
      if (target.host !== origin) {
        headers = { ...headers };
        delete headers.authorization;
        delete headers.Authorization;
      }
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(url: URL, options: HttpOptions): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const req = (isHttps ? httpsRequest : httpRequest)(url, {
        method: options.method,
        headers: options.headers,
        agent: isHttps ? this.https : this.http,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      req.on('response', resolve);
      req.on('error', (err) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        else reject(new Unavailable(`${options.method} ${url.href}: ${messageOf(err)}`, { cause: err }));
      });
      const body = options.body;
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }
}
