import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { InvalidArgument } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { parseListenAddress, type ListenOptions } from '../api/server.js';
import type { DaemonConfig } from './config.js';

/** dockerd's default socket group: a missing one is a warning, any other missing group an error. */
const DEFAULT_GROUP = 'docker';

/**
 * A group's id from /etc/group text, by name or by number, as moby's lookupGID: a number that no
 * line names is taken as it is.
 */
export function lookupGid(name: string, groupFile: string): { gid: number; known: boolean } | undefined {
  for (const line of groupFile.split('\n')) {
    const [gname, , gid] = line.split(':');
    if (gid !== undefined && /^\d+$/.test(gid) && (gname === name || gid === name)) return { gid: Number(gid), known: true };
  }
  return /^\d+$/.test(name) ? { gid: Number(name), known: false } : undefined;
}

/** Whether a listen host is a loopback address (or "localhost"), reachable only from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(host);
  return false;
}

/**
 * What the API listeners need, and whether they may listen at all. TCP without client
 * certificates (--tlsverify) gives root on this machine to whoever reaches the port, so it binds
 * only to loopback unless the operator says explicitly that it may go further (--tls=false, or
 * --tlsverify=false with TLS): the check dockerd makes, with its warnings, made a hard failure as
 * dockerd announced it would.
 */
export async function listenOptions(
  cfg: DaemonConfig,
  o: { log: Logger; readText?: (path: string) => Promise<string> },
): Promise<ListenOptions> {
  const read = o.readText ?? ((p: string) => readFile(p, 'utf8'));
  const out: ListenOptions = {};
  const tls = cfg.tls;
  const verify = tls.enabled === true && tls.verify === true;
  if (tls.enabled) {
    const load = async (what: string, path: string) => {
      try {
        return Buffer.from(await read(path));
      } catch (err) {
        throw new InvalidArgument(`could not load the TLS ${what} "${path}": ${(err as Error).message}`);
      }
    };
    out.tls = {
      key: await load('key (--tlskey)', tls.key),
      cert: await load('certificate (--tlscert)', tls.cert),
      ...(verify ? { ca: await load('CA certificate (--tlscacert)', tls.caCert) } : {}),
      verifyClients: verify,
    };
  }
  // Explicit intent, as dockerd's checkTLSAuthOK reads it.
  const explicitlyUnauthenticated = tls.enabled === false || (tls.enabled === true && tls.verify === false);
  let hasUnix = false;
  for (const addr of cfg.hosts) {
    const where = parseListenAddress(addr, tls.enabled === true);
    if (where.kind === 'unix') {
      hasUnix = true;
      continue;
    }
    if (verify) continue;
    o.log.warn('Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.', { host: addr });
    o.log.warn('Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!', { host: addr });
    if (isLoopback(where.host)) continue;
    if (!explicitlyUnauthenticated) {
      throw new InvalidArgument(
        `refusing to listen on ${addr} without --tlsverify: anyone who can reach it would control this machine; ` +
          'use --tlsverify with --tlscacert, --tlscert and --tlskey, listen on a loopback address, ' +
          'or give --tls=false (or --tlsverify=false) to accept the risk',
      );
    }
    o.log.warn('Listening on TCP beyond loopback without authentication, as --tls=false or --tlsverify=false asked', { host: addr });
  }
  if (hasUnix && cfg.group !== '') {
    const groups = await read('/etc/group').catch(() => '');
    const found = lookupGid(cfg.group, groups);
    if (!found) {
      if (cfg.group !== DEFAULT_GROUP) throw new InvalidArgument(`group ${cfg.group} not found`);
      o.log.warn(`could not change group of the API socket to ${DEFAULT_GROUP}: group ${DEFAULT_GROUP} not found; only root can use it`);
    } else {
      if (!found.known) o.log.warn(`Could not find GID ${found.gid}`);
      out.socketGid = found.gid;
    }
  }
  return out;
}
