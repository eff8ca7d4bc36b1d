import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ipBatch } from './run-tool.js';

/** What one veth pair joins: a bridge on the host, an interface in the container's namespace. */
export interface VethPlan {
  hostVeth: string;
  bridge: string;
  ifname: string;
  mac: string;
  /** address/prefix */
  cidr: string;
  /** The default route goes through this gateway ('' for none). */
  gateway: string;
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/**
 * Creates the bridge if missing and gives it the gateway address. route_localnet lets
 * DNAT send host connections to 127.0.0.1 into it; forwarding is what a bridge network needs (as
 * dockerd, Berth turns it on).
 */
export async function ensureBridge(bridge: string, gatewayCidr: string): Promise<void> {
  await ipBatch([
    ...(linkExists(bridge) ? [] : [`link add ${bridge} type bridge`]),
    `addr replace ${gatewayCidr} dev ${bridge}`,
    `link set ${bridge} up`,
  ]);
  await Promise.all([
    writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1'),
    writeFile('/proc/sys/net/ipv4/ip_forward', '1'),
  ]);
}

export async function removeLinks(names: readonly string[]): Promise<void> {
  const present = names.filter(linkExists);
  await ipBatch(present.map((n) => `link del ${n}`), { force: true }).catch(() => {});
}

/**
 * Makes the veth pairs of a container: the host ends on their bridges (hairpin on, so that a
 * container reaches itself through a published port), the other ends in its namespace, up, with
 * their addresses and the default route. Two `ip` processes whatever the count.
 */
export async function plugVeths(netns: string, plans: readonly VethPlan[], o: { createNetns?: boolean } = {}): Promise<void> {
  const host: string[] = o.createNetns ? [`netns add ${netns}`] : [];
  const inside: string[] = o.createNetns ? ['link set lo up'] : [];
  for (const p of plans) {
    host.push(
      `link add ${p.hostVeth} type veth peer name ${p.ifname} address ${p.mac} netns ${netns}`,
      `link set ${p.hostVeth} master ${p.bridge} up`,
      `link set ${p.hostVeth} type bridge_slave hairpin on`,
    );
    inside.push(`addr add ${p.cidr} dev ${p.ifname}`, `link set ${p.ifname} up`);
    if (p.gateway) inside.push(`route replace default via ${p.gateway} dev ${p.ifname}`);
  }
  await ipBatch(host);
  await ipBatch(inside, { netns });
}

/**
 * Removes a container's namespace: once its processes are gone the kernel destroys it with its
 * veths (in the background: deleting a veth synchronously costs tens of milliseconds). Veths
 * named in `hostVeths` are deleted at once (those of a namespace that lives on).
 */
export async function unplug(netns: string | undefined, hostVeths: readonly string[]): Promise<void> {
  const present = hostVeths.filter(linkExists);
  const lines = [...present.map((v) => `link del ${v}`), ...(netns && existsSync(`/run/netns/${netns}`) ? [`netns del ${netns}`] : [])];
  await ipBatch(lines, { force: true }).catch(() => {});
}
