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
 * The whole of Berth's nftables table, written from the daemon's state. Loaded with `nft -f` as
 * one transaction that deletes the old table and adds the new one: what a crash leaves is the
 * previous state or the next, and a restart rewrites it from the records, so rules of containers
 * that are gone cannot survive.
 *
 * - published: DNAT of host ports (from outside through prerouting, from the host through
 *   output; 127.0.0.1 works because the bridges have route_localnet set).
 * - postrouting: masquerade of outbound traffic, of loopback-sourced traffic into the bridges,
 *   and of hairpin traffic (a container reaching its own network through a host port).
 * - forward: networks cannot reach one another except through published ports; internal
 *   networks reach nothing beyond their bridge.
 */
export function buildRuleset(i: RulesetInput): string {
  const bridges = i.networks.map((n) => n.bridge);
  const published = i.ports.map((p) => {
    const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `ip daddr ${p.hostIp} ` : '';
    return `    ${dst}${p.proto} dport ${p.hostPort} dnat to ${p.targetIp}:${p.targetPort}`;
  });
  const post: string[] = [];
  const forward: string[] = ['    ct state established,related accept', '    ct status dnat accept'];
  for (const n of i.networks) {
    post.push(`    oifname ${q(n.bridge)} ip saddr 127.0.0.0/8 masquerade`);
    post.push(`    oifname ${q(n.bridge)} ip saddr ${n.subnet} ct status dnat masquerade`);
    if (n.internal) {
      forward.push(`    iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop`);
      forward.push(`    oifname ${q(n.bridge)} iifname != ${q(n.bridge)} drop`);
      continue;
    }
    post.push(`    ip saddr ${n.subnet} oifname != ${q(n.bridge)} masquerade`);
    const others = bridges.filter((b) => b !== n.bridge);
    if (others.length) forward.push(`    iifname ${q(n.bridge)} oifname { ${others.map(q).join(', ')} } drop`);
  }
  const t = i.table;
  return [
    `add table ip ${t}`,
    `delete table ip ${t}`,
    `table ip ${t} {`,
    '  chain published {',
    ...published,
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump published',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump published',
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...post,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...forward,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Removes the table (a daemon's last network gone, or a test daemon's cleanup). */
export function deleteRuleset(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
