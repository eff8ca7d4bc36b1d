/**
 * Where the daemon listens, parsed from `-H`, `BERTH_HOST` or `DOCKER_HOST` the way the docker
 * CLI parses `DOCKER_HOST`.
 */
export type DaemonAddress =
  | { kind: 'unix'; url: string; socketPath: string }
  | { kind: 'tcp'; url: string; host: string; port: number };

export const DEFAULT_DAEMON_HOST = 'unix:///run/berth/berth.sock';

/** Docker's default for `tcp://host` without a port. */
const DEFAULT_TCP_PORT = 2375;

export class InvalidDaemonHost extends Error {
  constructor(host: string) {
    super(`unable to parse docker host \`${host}\``);
    this.name = 'InvalidDaemonHost';
  }
}

export function parseDaemonAddress(host: string): DaemonAddress {
  const sep = host.indexOf('://');
  if (sep < 0) throw new InvalidDaemonHost(host);
  const scheme = host.slice(0, sep).toLowerCase();
  const rest = host.slice(sep + 3);
  if (scheme === 'unix') {
    if (rest === '') throw new InvalidDaemonHost(host);
    return { kind: 'unix', url: host, socketPath: rest };
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const authority = rest.replace(/\/+$/, '');
    const m = /^(\[[^\]]+\]|[^:/]*)(?::(\d+))?$/.exec(authority);
    if (!m) throw new InvalidDaemonHost(host);
    const name = (m[1] ?? '').replace(/^\[|\]$/g, '');
    const port = m[2] === undefined ? DEFAULT_TCP_PORT : Number(m[2]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new InvalidDaemonHost(host);
    return { kind: 'tcp', url: `tcp://${m[1] || '127.0.0.1'}:${port}`, host: name || '127.0.0.1', port };
  }
  throw new InvalidDaemonHost(host);
}

/** `-H` wins, then `BERTH_HOST`, then `DOCKER_HOST`, then the berth socket. */
export function resolveDaemonAddress(flag: string | undefined, env: NodeJS.ProcessEnv): DaemonAddress {
  const host = flag || env['BERTH_HOST'] || env['DOCKER_HOST'] || DEFAULT_DAEMON_HOST;
  return parseDaemonAddress(host);
}
