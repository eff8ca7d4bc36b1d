import { InvalidArgument } from '../common/errors.js';
import { parseCidr, subnetsOverlap, type Subnet } from './ipv4.js';

/** dockerd's --default-address-pool: subnets of `size` bits carved from `base`. */
export interface AddressPool {
  base: string;
  size: number;
}

/** Docker's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20. */
export const DOCKER_POOLS: AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 }, { base: '172.18.0.0/15', size: 16 }, { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/13', size: 16 }, { base: '192.168.0.0/16', size: 20 },
];

/** `base=10.10.0.0/16,size=24`, as dockerd's flag takes it. */
export function parseAddressPool(s: string): AddressPool {
  const kv = Object.fromEntries(s.split(',').map((p) => p.split('=', 2) as [string, string]));
  const size = Number(kv.size);
  if (!kv.base || !Number.isInteger(size)) throw new InvalidArgument(`invalid default address pool "${s}": want base=<CIDR>,size=<prefix length>`);
  const { subnet } = parseCidr(kv.base);
  if (size < subnet.prefix || size > 30) throw new InvalidArgument(`invalid default address pool "${s}": size ${size} must be between ${subnet.prefix} and 30`);
  return { base: kv.base, size };
}

function* candidates(pools: readonly AddressPool[]): Generator<Subnet> {
  for (const p of pools) {
    const { subnet } = parseCidr(p.base);
    const count = 2 ** (p.size - subnet.prefix);
    const step = 2 ** (32 - p.size);
    for (let i = 0; i < count; i++) yield { base: (subnet.base + i * step) >>> 0, prefix: p.size };
  }
}

/** The first pool subnet that overlaps neither a host route nor another network; undefined when all are taken. */
export function chooseSubnet(taken: readonly Subnet[], pools: readonly AddressPool[] = DOCKER_POOLS): Subnet | undefined {
  for (const c of candidates(pools)) if (!taken.some((t) => subnetsOverlap(t, c))) return c;
  return undefined;
}
