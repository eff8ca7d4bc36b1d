import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Forbidden, isNotFoundError } from '../common/errors.js';

/** Where and how to reach one registry. */
export interface RegistryEndpoint {
  /** The registry as references name it: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Base URL of the API, without `/v2/`: `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  url: string;
  secure: boolean;
  /** PEM bundles from the certs directory, added to Node's roots. */
  ca?: string[];
  /** A client certificate and key (`*.cert` + `*.key`), for registries that ask for one. */
  cert?: string;
  key?: string;
}

export interface RegistryHostsOptions {
  /** daemon.json `insecure-registries`: `host[:port]` names or CIDRs; they are spoken to in plain HTTP. */
  insecure?: string[];
  /**
   * `--allow-registry`: when given, the only registries berthd contacts (`host[:port]` names or
   * CIDRs); any other is refused before a name is resolved. Lets a machine (and the test suite)
   * keep every pull on registries it runs itself.
   */
  allowed?: string[];
  /** Per-host certificates: `<certsDir>/<host[:port]>/ca.crt` (and any `*.crt`), `client.cert`/`client.key`. */
  certsDir?: string;
}

const dockerHubApi = 'registry-1.docker.io';

/**
 * Decides scheme and TLS material per registry, as Docker does: loopback registries and those
 * configured insecure are plain HTTP, everything else HTTPS with the host's extra CAs.
 */
export class RegistryHosts {
  private readonly insecure: string[];
  private readonly allowed: string[] | undefined;
  private readonly certsDir: string | undefined;

  constructor(options: RegistryHostsOptions = {}) {
    this.insecure = options.insecure ?? [];
    this.allowed = options.allowed?.length ? options.allowed : undefined;
    this.certsDir = options.certsDir;
  }

  isInsecure(domain: string): boolean {
    const host = hostOf(domain);
    if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return true;
    return matchesAny(domain, this.insecure);
  }

  isAllowed(domain: string): boolean {
    return this.allowed === undefined || matchesAny(domain === 'index.docker.io' ? 'docker.io' : domain, this.allowed);
  }

  async endpoint(domain: string): Promise<RegistryEndpoint> {
    if (!this.isAllowed(domain)) {
      throw new Forbidden(`registry ${domain} is not among berthd's allowed registries (--allow-registry ${this.allowed!.join(', ')})`);
    }
    const apiHost = domain === 'docker.io' || domain === 'index.docker.io' ? dockerHubApi : domain;
    if (this.isInsecure(domain)) return { domain, url: `http://${apiHost}`, secure: false };
    const ep: RegistryEndpoint = { domain, url: `https://${apiHost}`, secure: true };
    if (this.certsDir) await this.loadCerts(join(this.certsDir, domain), ep);
    return ep;
  }

  private async loadCerts(dir: string, ep: RegistryEndpoint): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      if (isNotFoundError(err)) return;
      throw err;
    }
    for (const name of names) {
      if (name.endsWith('.crt')) (ep.ca ??= []).push(await readFile(join(dir, name), 'utf8'));
      else if (name.endsWith('.cert')) {
        const key = `${name.slice(0, -'.cert'.length)}.key`;
        if (names.includes(key)) {
          ep.cert = await readFile(join(dir, name), 'utf8');
          ep.key = await readFile(join(dir, key), 'utf8');
        }
      }
    }
  }
}

/** Whether `host[:port]` is named by one of `entries` (with or without its port) or falls in one of their CIDRs. */
function matchesAny(domain: string, entries: string[]): boolean {
  const host = hostOf(domain);
  for (const entry of entries) {
    if (entry === domain || entry === host) return true;
    if (entry.includes('/') && isIP(host) === 4 && inCidr4(host, entry)) return true;
  }
  return false;
}

/** The host of `host[:port]`, brackets of an IPv6 literal removed. */
function hostOf(domain: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(domain);
  if (v6) return v6[1]!;
  const i = domain.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(domain.slice(i + 1)) ? domain.slice(0, i) : domain;
}

function ip4(s: string): number {
  return s.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
}

function inCidr4(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(net ?? '') !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip4(ip) & mask) === (ip4(net!) & mask);
}
