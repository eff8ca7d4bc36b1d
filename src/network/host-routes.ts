import { readFile } from 'node:fs/promises';
import type { Subnet } from './ipv4.js';

/** The host's IPv4 routes (but the default one), with the interface each goes through. */
export async function hostRoutes(): Promise<(Subnet & { iface: string })[]> {
  const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
  const out: (Subnet & { iface: string })[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = Buffer.from(f[1]!, 'hex').readUInt32LE(0);
    const maskBits = Buffer.from(f[7]!, 'hex').readUInt32LE(0);
    const prefix = maskBits.toString(2).replace(/0/g, '').length;
    if (prefix === 0) continue;
    out.push({ base: dest >>> 0, prefix, iface: f[0]! });
  }
  return out;
}
