import type { PortProtocol } from './network.js';

export interface RulesetNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

/** One published port, resolved to the container address it leads to. */
export interface RulesetPort {
  proto: PortProtocol;
  hostIp: string;
  hostPort: number;
  targetIp: string;
  targetPort: number;
}

export interface RulesetInput {
  /** Berth's own table (one per daemon): the only one it ever changes. */
  table: string;
  networks: RulesetNetwork[];
  ports: RulesetPort[];
}

const q = (s: string) => `"${s}"`;

/**
 * Berth's nftables table, its rules written from the daemon's state. Loaded with `nft -f` as one
 * transaction: the chains are declared (made if missing, kept if there) and every one flushed and
 * filled again, so what a crash leaves is the previous state or the next, and a restart rewrites
 * it from the records: rules of containers that are gone cannot survive. The base chains are never
 * deleted: registering a hook makes the kernel wait for its readers, which would be paid at each
 * change.
 *
 * - published: DNAT of host ports (from outside through prerouting, from the host through
 *   output; 127.0.0.1 works because the bridges have route_localnet set).
 * - nat_out: masquerade of outbound traffic, loopback-sourced traffic into the bridges, and hairpin traffic
 *   (a container reaching its own network through a host port).
 * - isolate: networks cannot reach one another except through published ports; internal
 *   networks reach nothing beyond their bridge.
 */
export function buildRuleset(i: RulesetInput): string {
  const t = `ip ${i.table}`;
  const bridges = i.networks.map((n) => n.bridge);
  const rules: string[] = [];
  const add = (chain: string, rule: string) => rules.push(`add rule ${t} ${chain} ${rule}`);
  add('prerouting', 'fib daddr type local jump published');
  add('output', 'fib daddr type local jump published');
  add('postrouting', 'jump nat_out');
  add('forward', 'jump isolate');
  for (const p of i.ports) {
    const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `ip daddr ${p.hostIp} ` : '';
    add('published', `${dst}${p.proto} dport ${p.hostPort} dnat to ${p.targetIp}:${p.targetPort}`);
  }
  add('isolate', 'ct state established,related accept');
  add('isolate', 'ct status dnat accept');
  for (const n of i.networks) networkRules(n, bridges.filter((b) => b !== n.bridge), add, { bothWays: false });
  const chains = ['published', 'nat_out', 'isolate', 'prerouting', 'output', 'postrouting', 'forward'];
  return [
    `table ${t} {`,
    '  chain published {\n  }',
    '  chain nat_out {\n  }',
    '  chain isolate {\n  }',
    '  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n  }',
    '  chain output {\n    type nat hook output priority -100; policy accept;\n  }',
    '  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n  }',
    '  chain forward {\n    type filter hook forward priority filter; policy accept;\n  }',
    '}',
    ...chains.map((c) => `flush chain ${t} ${c}`),
    ...rules,
    '',
  ].join('\n');
}

/**
 * One network's rules. In the whole ruleset each network drops what leaves it for another; a
 * network added to a table in place also drops what comes to it from the others, whose rules do
 * not name it yet.
 */
function networkRules(n: RulesetNetwork, others: string[], add: (chain: string, rule: string) => void, o: { bothWays: boolean }): void {
  add('nat_out', `oifname ${q(n.bridge)} ip saddr 127.0.0.0/8 masquerade`);
  add('nat_out', `oifname ${q(n.bridge)} ip saddr ${n.subnet} ct status dnat masquerade`);
  if (n.internal) {
    add('isolate', `iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop`);
    add('isolate', `oifname ${q(n.bridge)} iifname != ${q(n.bridge)} drop`);
    return;
  }
  add('nat_out', `ip saddr ${n.subnet} oifname != ${q(n.bridge)} masquerade`);
  if (!others.length) return;
  add('isolate', `iifname ${q(n.bridge)} oifname { ${others.map(q).join(', ')} } drop`);
  if (o.bothWays) add('isolate', `oifname ${q(n.bridge)} iifname { ${others.map(q).join(', ')} } drop`);
}

/**
 * A new network's rules appended to the table as it is: nothing is deleted, so the kernel does not
 * wait for its readers as it does for a flush (a few ms instead of ~20 here). Needs the table's
 * chains (written by buildRuleset at start).
 */
export function appendNetworkRules(table: string, n: RulesetNetwork, otherBridges: string[]): string {
  const rules: string[] = [];
  networkRules(n, otherBridges, (chain, rule) => rules.push(`add rule ip ${table} ${chain} ${rule}`), { bothWays: true });
  return `${rules.join('\n')}\n`;
}

/** Removes the table (a daemon's last network gone, or a test daemon's cleanup). */
export function deleteRuleset(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
