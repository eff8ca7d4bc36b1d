/**
 * Networks as the daemon keeps them: one record per network, written atomically, holding its
 * addresses in use too (so that no address is handed out twice, across restarts).
 */

export type NetworkDriver = 'bridge' | 'host' | 'null';

/** A container's place on one network. */
export interface Endpoint {
  id: string;
  containerId: string;
  /** The container's name, answered by the network's DNS. */
  containerName: string;
  ip: string;
  mac: string;
  /** Names the network's DNS answers besides the container's name. */
  aliases: string[];
  /** The host side of the veth pair. */
  hostVeth: string;
  /** The interface inside the container (eth0, eth1, ...). */
  ifname: string;
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  created: string;
  /** Docker's `bridge` (the default network): no DNS by name, not removable. */
  isDefault: boolean;
  /** The Linux bridge ('' for host and none). */
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** The last address handed out: the next search starts after it (Docker's round robin). */
  lastIp: string;
  endpoints: Record<string, Endpoint>;
}

export type PortProtocol = 'tcp' | 'udp';

/** A container port published on the host. */
export interface PublishedPort {
  proto: PortProtocol;
  containerPort: number;
  /** '' or 0.0.0.0: every address of the host. */
  hostIp: string;
  hostPort: number;
}

/** A container's network namespace and what was published into it. */
export interface Sandbox {
  containerId: string;
  /** The name under /run/netns (`ip netns`). */
  netns: string;
  ports: PublishedPort[];
}

export function isPredefined(n: NetworkRecord): boolean {
  return n.isDefault || n.driver !== 'bridge';
}
