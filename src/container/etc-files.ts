import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The files Docker writes for each container and bind-mounts over the image's. */
export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export function etcFilePaths(containerDir: string): EtcFiles {
  return {
    hosts: join(containerDir, 'hosts'),
    hostname: join(containerDir, 'hostname'),
    resolvConf: join(containerDir, 'resolv.conf'),
  };
}

const localHosts = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** resolv.conf for a container with a network namespace of its own: the host's, without loopback resolvers. */
export function containerResolvConf(host: string, dns: readonly string[], search: readonly string[], options: readonly string[]): string {
  const lines = host.split('\n');
  const keep = lines.filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !m || !(/^127\./.test(m[1]!) || m[1] === '::1');
  });
  let out = keep.filter((l) => !(dns.length && /^\s*nameserver/.test(l)) && !(search.length && /^\s*search/.test(l)) && !(options.length && /^\s*options/.test(l)));
  const hasNs = out.some((l) => /^\s*nameserver/.test(l));
  if (dns.length) out = out.concat(dns.map((d) => `nameserver ${d}`));
  else if (!hasNs) out = out.concat(['nameserver 8.8.8.8', 'nameserver 8.8.4.4']); // Docker's fallback
  if (search.length) out.push(`search ${search.join(' ')}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.filter((l, i, a) => !(l === '' && i === a.length - 1)).join('\n') + '\n';
}

export interface EtcFileOptions {
  hostname: string;
  hostNetwork: boolean;
  extraHosts: readonly string[];
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
  /** The network's own DNS server (user networks): the only nameserver, unless --dns says otherwise. */
  embeddedDns?: string;
}

function extraHostLines(extraHosts: readonly string[]): string[] {
  return extraHosts.map((e) => {
    const i = e.indexOf(':');
    return `${e.slice(i + 1)}\t${e.slice(0, i)}`;
  });
}

/** /etc/hosts of a container on bridge networks: localhost, --add-host entries, then its own addresses. */
export async function writeHostsFile(containerDir: string, o: { extraHosts: readonly string[]; own: { ip: string; names: string[] }[] }): Promise<void> {
  const lines = [...localHosts, ...extraHostLines(o.extraHosts), ...o.own.map((e) => `${e.ip}\t${e.names.join(' ')}`)];
  await writeFile(etcFilePaths(containerDir).hosts, lines.join('\n') + '\n', { mode: 0o644 });
}

/** Writes hosts, hostname and resolv.conf into the container's directory. */
export async function writeEtcFiles(containerDir: string, o: EtcFileOptions): Promise<EtcFiles> {
  const paths = etcFilePaths(containerDir);
  const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const extra = extraHostLines(o.extraHosts);
  const hosts = o.hostNetwork
    ? (await readFile('/etc/hosts', 'utf8').catch(() => localHosts.join('\n') + '\n')) + (extra.length ? extra.join('\n') + '\n' : '')
    : [...localHosts, ...extra].join('\n') + '\n';
  const resolv = o.hostNetwork && !o.dns.length && !o.dnsSearch.length && !o.dnsOptions.length
    ? hostResolv
    : containerResolvConf(hostResolv, o.dns.length || !o.embeddedDns ? o.dns : [o.embeddedDns], o.dnsSearch, o.dnsOptions.length || !o.embeddedDns ? o.dnsOptions : ['ndots:0']);
  await Promise.all([
    writeFile(paths.hosts, hosts, { mode: 0o644 }),
    writeFile(paths.hostname, `${o.hostname}\n`, { mode: 0o644 }),
    writeFile(paths.resolvConf, resolv, { mode: 0o644 }),
  ]);
  return paths;
}
