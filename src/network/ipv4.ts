import { InvalidArgument } from '../common/errors.js';

/** An IPv4 subnet: its network address as a 32-bit number and its prefix length. */
export interface Subnet {
  base: number;
  prefix: number;
}

export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.1.2.3/24` → the address and its subnet (the address may be any in the subnet). */
export function parseCidr(s: string): { address: number; subnet: Subnet } {
  const [ip, len] = s.split('/');
  const address = parseIpv4(ip ?? '');
  const prefix = Number(len);
  if (address === undefined || len === undefined || !/^\d+$/.test(len) || prefix > 32) {
    throw new InvalidArgument(`invalid CIDR address: ${s}`);
  }
  return { address, subnet: { base: (address & mask(prefix)) >>> 0, prefix } };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIpv4(s.base)}/${s.prefix}`;
}

export function subnetContains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** Usable host addresses of a subnet: [first, last], network and broadcast addresses left out. */
export function hostRange(s: Subnet): [number, number] {
  const size = 2 ** (32 - s.prefix);
  return size <= 2 ? [s.base, s.base + size - 1] : [s.base + 1, s.base + size - 2];
}

/** Docker's MAC for a container address: 02:42 then the four bytes of the address. */
export function macOf(ip: number): string {
  return ['02', '42', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
