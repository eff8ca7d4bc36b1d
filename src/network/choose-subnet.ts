import { subnetsOverlap, type Subnet } from './ipv4.js';

/** Docker's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20. */
function* candidates(): Generator<Subnet> {
  for (let b = 17; b <= 31; b++) yield { base: ((172 << 24) | (b << 16)) >>> 0, prefix: 16 };
  for (let c = 0; c <= 240; c += 16) yield { base: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, prefix: 20 };
}

/** The first pool subnet that overlaps neither a host route nor another network; undefined when all are taken. */
export function chooseSubnet(taken: readonly Subnet[]): Subnet | undefined {
  for (const c of candidates()) if (!taken.some((t) => subnetsOverlap(t, c))) return c;
  return undefined;
}

