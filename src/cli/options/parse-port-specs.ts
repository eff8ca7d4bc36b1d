import type { PortBinding } from '../../api/types/index.js';

export interface PortSpecs {
  exposed: Record<string, object>;
  bindings: Record<string, PortBinding[]>;
}

/**
 * `-p` values (docker's nat.ParsePortSpecs): `[ip:][hostPort:]containerPort[/proto]`, ranges on
 * either side (`8000-8002:80-82`), IPv6 addresses in brackets.
 */
export function parsePortSpecs(specs: readonly string[], into: PortSpecs = { exposed: {}, bindings: {} }): PortSpecs {
  for (const spec of specs) {
    const [rest, proto = 'tcp'] = splitProto(spec);
    const parts = splitHostParts(rest);
    const containerPart = parts.pop()!;
    const hostPart = parts.pop() ?? '';
    const ip = (parts.join(':') || '').replace(/^\[|\]$/g, '');
    if (containerPart === '') throw new Error(`no port specified: ${spec}<empty>`);
    const [cStart, cEnd] = parseRange(containerPart, 'containerPort', spec);
    let hStart = 0;
    let hEnd = 0;
    if (hostPart !== '') [hStart, hEnd] = parseRange(hostPart, 'hostPort', spec);
    const count = cEnd - cStart;
    if (hostPart !== '' && count !== hEnd - hStart && count !== 0) {
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`);
    }
    for (let i = 0; i <= count; i++) {
      const port = `${cStart + i}/${proto}`;
      let hostPort = '';
      if (hostPart !== '') hostPort = count === 0 && hEnd !== hStart ? `${hStart}-${hEnd}` : String(hStart + i);
      into.exposed[port] = {};
      (into.bindings[port] ??= []).push({ HostIp: ip, HostPort: hostPort });
    }
  }
  return into;
}

/** `--expose 80`, `--expose 7000-7002/udp` */
export function parseExposedPorts(specs: readonly string[], into: Record<string, object>): void {
  for (const spec of specs) {
    const [rest, proto = 'tcp'] = splitProto(spec);
    const [start, end] = parseRange(rest, 'port', spec);
    for (let p = start; p <= end; p++) into[`${p}/${proto}`] = {};
  }
}

function splitProto(spec: string): [string, string | undefined] {
  const slash = spec.lastIndexOf('/');
  if (slash < 0) return [spec, undefined];
  const proto = spec.slice(slash + 1).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  return [spec.slice(0, slash), proto];
}

function splitHostParts(rest: string): string[] {
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (bracket) return [`[${bracket[1]}]`, ...bracket[2]!.split(':')];
  const parts = rest.split(':');
  if (parts.length > 3) {
    // an unbracketed IPv6 address: the last two parts are the ports
    return [parts.slice(0, -2).join(':'), parts[parts.length - 2]!, parts[parts.length - 1]!];
  }
  return parts;
}

function parseRange(text: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new Error(`invalid ${what}: ${text}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) throw new Error(`invalid port range: ${spec}`);
  return [start, end];
}
