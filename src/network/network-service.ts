import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomId } from '../common/digest.js';
import { Conflict, InvalidArgument, messageOf, NotFound, Unavailable } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import { nowRfc3339Nano } from '../common/time.js';
import { ensureBridge, linkExists, plugVeths, removeLinks, unplug, type VethPlan } from './bridge-links.js';
import { chooseSubnet, DOCKER_POOLS, type AddressPool } from './choose-subnet.js';
import { networkExists, networkInUse, noSuchNetwork, predefinedNetwork } from './errors.js';
import { hostRoutes } from './host-routes.js';
import { formatIpv4, formatSubnet, hostRange, macOf, parseCidr, parseIpv4, subnetContains, subnetsOverlap, type Subnet } from './ipv4.js';
import type { Endpoint, NetworkRecord, PortProtocol, PublishedPort, Sandbox } from './network.js';
import { isPredefined } from './network.js';
import { JsonRecordDir } from './network-store.js';
import { appendNetworkRules, buildRuleset, deleteRuleset } from './nft-ruleset.js';
import { EmbeddedDns } from './embedded-dns.js';
import { hostVethName, NetnsPool, type PooledNetns } from './netns-pool.js';
import { PortReservations } from './port-reservations.js';
import { ipBatch, runTool } from './run-tool.js';

export interface NetworkServiceOptions {
  /** Where the records live (`<data-root>/network`). */
  root: string;
  /** The Linux bridge of the default network (dockerd's -b/--bridge). */
  bridge: string;
  /** The default bridge's address and subnet (dockerd's --bip); '' chooses a free subnet. */
  bip: string;
  /** Berth's nftables table (of family ip): the only one it changes. */
  table: string;
  /** Where subnets are chosen from (dockerd's --default-address-pool); Docker's pools if empty. */
  addressPools: AddressPool[];
  events: EventSink;
  log: Logger;
}

/** What a container asks of its networks at start. */
export interface ContainerNetworking {
  id: string;
  name: string;
  hostname: string;
  /** Network name or id → the endpoint's settings, in the order they were joined. */
  networks: Record<string, EndpointRequest>;
  portBindings: Record<string, { hostIp: string; hostPort: string }[]>;
  publishAllPorts: boolean;
  exposedPorts: string[];
}

export interface EndpointRequest {
  aliases: string[];
  ipv4Address: string;
}

/** What `network create` asks for ('' subnet and gateway: chosen). */
export type NetworkCreate = Pick<NetworkRecord, 'name' | 'internal' | 'attachable' | 'labels' | 'options' | 'subnet' | 'gateway'> & {
  driver: string;
  checkDuplicate: boolean;
};

/** A container's place on one network, as inspect shows it. */
export interface AttachedEndpoint {
  network: NetworkRecord;
  endpoint: Endpoint;
}

function parsePortKey(k: string): { port: number; proto: PortProtocol } {
  const [p, proto = 'tcp'] = k.split('/');
  const port = Number(p);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (proto !== 'tcp' && proto !== 'udp')) {
    throw new InvalidArgument(`invalid port specification: "${k}"`);
  }
  return { port, proto };
}

/**
 * Networks: Docker's default `bridge`, `host` and `none`, and user-defined bridge networks. It
 * owns the Linux bridges, the addresses (IPAM), each running container's network namespace and
 * veths, the published host ports and Berth's nftables table. Records are on disk; what the
 * kernel holds is made again from them at start (init) and after each change.
 */
export class NetworkService {
  private nets = new Map<string, NetworkRecord>();
  private sandboxes = new Map<string, Sandbox>();
  private readonly netStore: JsonRecordDir<NetworkRecord>;
  private readonly sandboxStore: JsonRecordDir<Sandbox>;
  private readonly ports = new PortReservations();
  private rules: Promise<void> = Promise.resolve();
  private readonly dns: EmbeddedDns;
  private readonly pool: NetnsPool;
  private readonly backgroundWork = new Set<Promise<void>>();

  constructor(private readonly o: NetworkServiceOptions) {
    this.netStore = new JsonRecordDir(join(o.root, 'networks'), o.log);
    this.sandboxStore = new JsonRecordDir(join(o.root, 'sandboxes'), o.log);
    this.pool = new NetnsPool({
      prefix: `${o.bridge}-`, bridge: o.bridge, size: 3, log: o.log,
      lease: () => {
        const n = this.resolve('bridge');
        const ip = this.allocate(n, '');
        return { ip, mac: macOf(parseIpv4(ip)!), prefix: Number(n.subnet.split('/')[1]), gateway: n.gateway };
      },
    });
    this.dns = new EmbeddedDns((client, name) => this.lookupName(client, name), o.log);
  }

  /** User networks have a DNS server on their gateway; the default bridge has none (as in Docker). */
  private async startDns(n: NetworkRecord): Promise<void> {
    if (n.driver !== 'bridge' || n.isDefault) return;
    await this.dns.listen(n.gateway).catch((err: unknown) => this.o.log.warn('the network\'s DNS server could not start', { network: n.name, error: messageOf(err) }));
  }

  /**
   * The addresses of a name on the networks of the container that asks (by its address); null
   * when the asker is none of our containers (the server is no open resolver).
   */
  private lookupName(client: string, name: string): string[] | undefined | null {
    const users = [...this.nets.values()].filter((n) => n.driver === 'bridge' && !n.isDefault);
    const asker = users.flatMap((n) => Object.values(n.endpoints)).find((e) => e.ip === client)?.containerId;
    if (!asker) return null;
    const ips: string[] = [];
    for (const n of users) {
      if (!n.endpoints[asker]) continue;
      for (const e of Object.values(n.endpoints)) {
        if (e.containerName.toLowerCase() === name || e.aliases.some((a) => a.toLowerCase() === name)) ips.push(e.ip);
      }
    }
    return ips.length ? [...new Set(ips)] : undefined;
  }

  /** Loads the records, makes the predefined networks and every bridge exist. */
  async open(): Promise<void> {
    for (const n of await this.netStore.loadAll()) this.nets.set(n.id, n);
    for (const s of await this.sandboxStore.loadAll()) this.sandboxes.set(s.containerId, s);
    for (const [name, driver] of [['host', 'host'], ['none', 'null']] as const) {
      if (!this.findByName(name)) await this.add(this.record({ name, driver, isDefault: false, bridge: '', subnet: '', gateway: '' }));
    }
    await this.openDefaultBridge();
    for (const n of this.nets.values()) {
      if (n.driver === 'bridge') await ensureBridge(n.bridge, `${n.gateway}/${n.subnet.split('/')[1]}`);
      await this.startDns(n);
    }
    this.pool.refill();
  }

  private async openDefaultBridge(): Promise<void> {
    const cur = this.nets.get(this.findByName('bridge')?.id ?? '');
    let gatewayCidr = this.o.bip;
    if (!gatewayCidr && cur && cur.bridge === this.o.bridge) return;
    if (!gatewayCidr) {
      const sub = chooseSubnet(await this.takenSubnets(cur?.id), this.pools);
      if (!sub) throw new Conflict('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      gatewayCidr = `${formatIpv4(sub.base + 1)}/${sub.prefix}`;
    }
    const { address, subnet } = parseCidr(gatewayCidr);
    const fields = { bridge: this.o.bridge, subnet: formatSubnet(subnet), gateway: formatIpv4(address) };
    if (cur && cur.bridge === fields.bridge && cur.subnet === fields.subnet && cur.gateway === fields.gateway) return;
    await this.checkFree(subnet, cur?.id, this.o.bridge);
    if (cur) {
      if (Object.keys(cur.endpoints).length && cur.subnet !== fields.subnet) {
        this.o.log.warn('the default bridge keeps its subnet: containers still use it', { subnet: cur.subnet });
        return;
      }
      if (cur.bridge !== fields.bridge) await removeLinks([cur.bridge]);
      Object.assign(cur, fields);
      await this.persist(cur, { definition: true });
      return;
    }
    await this.add(this.record({ name: 'bridge', driver: 'bridge', isDefault: true, ...fields, options: {
      'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true',
      'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.bridge.name': this.o.bridge, 'com.docker.network.driver.mtu': '1500',
    } }));
  }

  private record(p: Partial<NetworkRecord> & Pick<NetworkRecord, 'name' | 'driver' | 'bridge' | 'subnet' | 'gateway' | 'isDefault'>): NetworkRecord {
    return {
      id: randomId(), created: nowRfc3339Nano(), internal: false, attachable: false, labels: {}, options: {},
      lastIp: '', endpoints: {}, ...p,
    };
  }

  private async add(n: NetworkRecord): Promise<void> {
    this.nets.set(n.id, n);
    await this.persist(n, { definition: true });
  }

  /**
   * Writes a network's record. A change of its endpoints alone is not synced to disk: endpoints
   * are runtime state, which a daemon kill keeps (the page cache has it) and a power loss makes
   * moot (nothing runs after it, and reconcile() frees every address). Definitions are synced.
   */
  private persist(n: NetworkRecord, o: { definition?: boolean } = {}): Promise<void> {
    return this.netStore.save(n.id, () => this.nets.get(n.id), { sync: o.definition === true });
  }

  private persistSandbox(id: string): Promise<void> {
    return this.sandboxStore.save(id, () => this.sandboxes.get(id), { sync: false });
  }

  /** Subnets in use: the host's routes (but through our own bridge for `except`) and our networks. */
  private async takenSubnets(except?: string): Promise<Subnet[]> {
    const own = [...this.nets.values()].filter((n) => n.subnet && n.id !== except);
    const ownBridges = new Set([...this.nets.values()].map((n) => n.bridge));
    const routes = (await hostRoutes()).filter((r) => !ownBridges.has(r.iface) || own.every((n) => n.bridge !== r.iface));
    return [...routes, ...own.map((n) => parseCidr(n.subnet).subnet)];
  }

  private async checkFree(subnet: Subnet, except: string | undefined, bridge: string): Promise<void> {
    const routes = (await hostRoutes()).filter((r) => r.iface !== bridge);
    const own = [...this.nets.values()].filter((n) => n.subnet && n.id !== except).map((n) => parseCidr(n.subnet).subnet);
    if ([...routes, ...own].some((t) => subnetsOverlap(t, subnet))) {
      throw new Conflict(`Pool overlaps with other one on this address space: ${formatSubnet(subnet)}`);
    }
  }

  private get pools(): AddressPool[] {
    return this.o.addressPools.length ? this.o.addressPools : DOCKER_POOLS;
  }

  private findByName(name: string): NetworkRecord | undefined {
    for (const n of this.nets.values()) if (n.name === name) return n;
    return undefined;
  }

  /** Docker's lookup: full id, then name, then a unique id prefix. */
  find(ref: string): NetworkRecord | undefined {
    const byId = this.nets.get(ref);
    if (byId) return byId;
    const byName = this.findByName(ref === 'default' ? 'bridge' : ref);
    if (byName) return byName;
    const matches = [...this.nets.values()].filter((n) => n.id.startsWith(ref));
    if (matches.length > 1) throw new InvalidArgument(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    return matches[0];
  }

  resolve(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw noSuchNetwork(ref);
    return n;
  }

  list(): NetworkRecord[] {
    return [...this.nets.values()];
  }

  async create(c: NetworkCreate): Promise<NetworkRecord> {
    if (c.driver && c.driver !== 'bridge') {
      if (c.driver === 'host' || c.driver === 'null') throw new Conflict(`only one instance of "${c.driver}" network is allowed`);
      throw new NotFound(`plugin "${c.driver}" not found`);
    }
    if (!c.name) throw new InvalidArgument('network name is empty');
    if (this.findByName(c.name)) throw networkExists(c.name);
    if (['bridge', 'host', 'none', 'default'].includes(c.name)) throw new Conflict(`network with name ${c.name} already exists`);
    const id = randomId();
    const bridge = c.options['com.docker.network.bridge.name'] || `br-${id.slice(0, 12)}`;
    let subnet: Subnet;
    if (c.subnet) {
      subnet = parseCidr(c.subnet).subnet;
      await this.checkFree(subnet, undefined, bridge);
    } else {
      const s = chooseSubnet(await this.takenSubnets(), this.pools);
      if (!s) throw new Conflict('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
      subnet = s;
    }
    let gateway = formatIpv4(hostRange(subnet)[0]);
    if (c.gateway) {
      const g = parseIpv4(c.gateway);
      if (g === undefined || !subnetContains(subnet, g)) throw new InvalidArgument(`invalid gateway address ${c.gateway}: not in subnet ${formatSubnet(subnet)}`);
      gateway = c.gateway;
    }
    const n = this.record({
      id, name: c.name, driver: 'bridge', isDefault: false, bridge, subnet: formatSubnet(subnet), gateway,
      internal: c.internal, attachable: c.attachable, labels: c.labels, options: c.options,
    });
    // nft takes a rule for a bridge that does not exist yet: the three go side by side.
    await Promise.all([ensureBridge(bridge, `${gateway}/${subnet.prefix}`).then(() => this.startDns(n)), this.add(n), this.addNetworkRules(n)]);
    this.event(n, 'create');
    return n;
  }

  async remove(ref: string): Promise<void> {
    const n = this.resolve(ref);
    if (isPredefined(n)) throw predefinedNetwork(n.name);
    if (Object.keys(n.endpoints).length) throw networkInUse(n.name, n.id);
    this.nets.delete(n.id);
    this.dns.close(n.gateway);
    // Deleting a bridge makes the kernel wait for its users to let go: not waited for (reconcile()
    // removes what a crash leaves; a new network gets a new bridge name).
    this.background(removeLinks([n.bridge]));
    // Nor is the rewrite of the rules: those of a network that is gone match nothing (its bridge
    // goes too), and applyRules is serialized, so a later change is written after this one. An nft
    // transaction that deletes rules waits for the kernel's readers (~20 ms here).
    this.background(this.applyRules().catch((err: unknown) => this.o.log.warn('rewriting the rules after a network removal failed', { error: messageOf(err) })));
    await this.persist(n, { definition: true });
    this.event(n, 'destroy');
  }

  async prune(filter: (n: NetworkRecord) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const n of this.list()) {
      if (isPredefined(n) || Object.keys(n.endpoints).length || !filter(n)) continue;
      await this.remove(n.id);
      removed.push(n.name);
    }
    return removed;
  }

  private event(n: NetworkRecord, action: string, extra: Record<string, string> = {}): void {
    this.o.events.publish({ type: 'network', action, id: n.id, attributes: { name: n.name, type: n.driver, ...extra } });
  }

  /** The next free address of the network (after the last handed out), or the one asked for. */
  private allocate(n: NetworkRecord, want: string): string {
    const subnet = parseCidr(n.subnet).subnet;
    const used = new Set(Object.values(n.endpoints).map((e) => e.ip));
    used.add(n.gateway);
    if (n.isDefault) for (const ip of this.pool.ips()) used.add(ip);
    if (want) {
      const w = parseIpv4(want);
      if (w === undefined || !subnetContains(subnet, w)) throw new InvalidArgument(`no configured subnet or ip-range contain the IP address ${want}`);
      if (used.has(want)) throw new Conflict(`Address already in use`);
      return want;
    }
    const [first, last] = hostRange(subnet);
    const size = last - first + 1;
    const last0 = n.lastIp ? parseIpv4(n.lastIp) : undefined;
    const from = last0 === undefined ? 0 : last0 - first + 1;
    for (let i = 0; i < size; i++) {
      const ip = formatIpv4(first + ((((from + i) % size) + size) % size));
      if (!used.has(ip)) {
        n.lastIp = ip;
        return ip;
      }
    }
    throw new Unavailable(`no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
  }

  /** The ports a container publishes: its bindings, and with -P its exposed ports on random host ports. */
  private wantedPorts(c: ContainerNetworking): { proto: PortProtocol; containerPort: number; hostIp: string; hostPort: number }[] {
    const out: { proto: PortProtocol; containerPort: number; hostIp: string; hostPort: number }[] = [];
    const keys = new Set(Object.keys(c.portBindings));
    for (const [k, binds] of Object.entries(c.portBindings)) {
      const { port, proto } = parsePortKey(k);
      for (const b of binds.length ? binds : [{ hostIp: '', hostPort: '' }]) {
        const hp = b.hostPort ? Number(b.hostPort.split('-')[0]) : 0;
        if (!Number.isInteger(hp) || hp < 0 || hp > 65535) throw new InvalidArgument(`invalid port specification: "${b.hostPort}"`);
        out.push({ proto, containerPort: port, hostIp: b.hostIp, hostPort: hp });
      }
    }
    if (c.publishAllPorts) {
      for (const k of c.exposedPorts) {
        if (keys.has(k)) continue;
        const { port, proto } = parsePortKey(k);
        out.push({ proto, containerPort: port, hostIp: '', hostPort: 0 });
      }
    }
    return out;
  }

  /**
   * Gives a starting container its namespace, one endpoint per network and its published ports.
   * Ports are taken first: a taken port fails the start before anything is made. On failure
   * nothing is left behind.
   */
  async attach(c: ContainerNetworking): Promise<{ netnsPath: string; published: Promise<void> }> {
    const targets = Object.entries(c.networks).map(([ref, req]) => ({ net: this.resolve(ref), req }));
    const t0 = performance.now();
    const ports: PublishedPort[] = [];
    try {
      for (const p of this.wantedPorts(c)) {
        const hostPort = await this.ports.reserve(p.proto, p.hostIp, p.hostPort).catch((err: unknown) => {
          throw new Conflict(`driver failed programming external connectivity on endpoint ${c.name} (${c.id}): ${messageOf(err)}`, { cause: err });
        });
        ports.push({ ...p, hostPort });
      }
    } catch (err) {
      for (const p of ports) this.ports.release(p.proto, p.hostIp, p.hostPort);
      throw err;
    }
    // The default bridge first and no address asked for: a spare namespace has all it needs.
    const pooled = targets[0]?.net.isDefault && !targets[0].req.ipv4Address ? this.pool.take() : undefined;
    const sandbox: Sandbox = { containerId: c.id, netns: pooled?.netns ?? `${this.o.bridge}-${c.id.slice(0, 12)}`, ports };
    // From here on detach() undoes everything: the namespace, endpoints, addresses and ports.
    this.sandboxes.set(c.id, sandbox);
    try {
      const plans = targets.map((t, i) => this.newEndpoint(t.net, c, t.req, `eth${i}`, i === targets.findIndex((x) => !x.net.internal), i === 0 ? pooled : undefined));
      // The container starts only once both are done: its records are on disk before it runs,
      // and reconcile() removes namespaces and veths that no record names.
      await Promise.all([
        this.persistSandbox(c.id),
        ...targets.map((t) => this.persist(t.net)),
        pooled ? plugVeths(sandbox.netns, plans.slice(1)) : plugVeths(sandbox.netns, plans, { createNetns: true }),
      ]);
    } catch (err) {
      await this.detach(c.id).catch(() => {});
      throw err;
    }
    for (const t of targets) this.event(t.net, 'connect', { container: c.id });
    this.o.log.debug('network attached', { id: c.id, ms: (performance.now() - t0).toFixed(1), pooled: pooled !== undefined });
    // The DNAT rules are written while the container starts: the caller waits for them before
    // it reports the start (the port answers once `docker run -d` returns).
    const published = sandbox.ports.length ? this.applyRules() : Promise.resolve();
    published.catch(() => {});
    return { netnsPath: `/run/netns/${sandbox.netns}`, published };
  }

  private newEndpoint(n: NetworkRecord, c: ContainerNetworking, req: EndpointRequest, ifname: string, defaultRoute: boolean, spare?: PooledNetns): VethPlan {
    if (n.driver !== 'bridge') throw new InvalidArgument(`container cannot be connected to network ${n.name}: it is not a bridge network`);
    if (Object.values(n.endpoints).some((e) => e.containerId === c.id)) {
      throw new Conflict(`endpoint with name ${c.name} already exists in network ${n.name}`);
    }
    if (req.ipv4Address && n.isDefault) throw new InvalidArgument('user specified IP address is supported on user defined networks only');
    const ip = spare?.ip ?? this.allocate(n, req.ipv4Address);
    const hostVeth = spare?.hostVeth ?? hostVethName();
    const ep: Endpoint = {
      id: randomId(), containerId: c.id, containerName: c.name, ip, mac: macOf(parseIpv4(ip)!),
      aliases: n.isDefault ? [] : [...new Set([...req.aliases, c.id.slice(0, 12)])],
      hostVeth, ifname,
    };
    n.endpoints[c.id] = ep;
    return {
      hostVeth: ep.hostVeth, bridge: n.bridge, ifname, mac: ep.mac, cidr: `${ip}/${n.subnet.split('/')[1]}`,
      gateway: defaultRoute && !n.internal ? n.gateway : '',
    };
  }

  /** Connects a running container to one more network (docker network connect). */
  async connect(ref: string, c: ContainerNetworking, req: EndpointRequest): Promise<void> {
    const n = this.resolve(ref);
    const sandbox = this.sandboxes.get(c.id);
    if (!sandbox) throw new Conflict(`container ${c.id} has no network namespace: it is not running`);
    const used = new Set(this.endpointsOf(c.id).map((a) => a.endpoint.ifname));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    const plan = this.newEndpoint(n, c, req, `eth${i}`, false);
    try {
      await this.persist(n);
      await plugVeths(sandbox.netns, [plan]);
    } catch (err) {
      delete n.endpoints[c.id];
      await removeLinks([plan.hostVeth]);
      await this.persist(n);
      throw err;
    }
    this.event(n, 'connect', { container: c.id });
  }

  /** Takes a running container off one network (docker network disconnect). */
  async disconnect(ref: string, containerId: string): Promise<void> {
    const n = this.resolve(ref);
    const ep = n.endpoints[containerId];
    if (!ep) return;
    delete n.endpoints[containerId];
    await removeLinks([ep.hostVeth]);
    await this.persist(n);
    this.event(n, 'disconnect', { container: containerId });
  }

  /** A renamed container answers to its new name on its networks. */
  async renameContainer(containerId: string, name: string): Promise<void> {
    const eps = this.endpointsOf(containerId);
    for (const { endpoint } of eps) endpoint.containerName = name;
    await Promise.all(eps.map((e) => this.persist(e.network)));
  }

  /** The endpoints of a container, in the order of its interfaces. */
  endpointsOf(containerId: string): AttachedEndpoint[] {
    const out: AttachedEndpoint[] = [];
    for (const network of this.nets.values()) {
      const endpoint = network.endpoints[containerId];
      if (endpoint) out.push({ network, endpoint });
    }
    return out.sort((a, b) => a.endpoint.ifname.localeCompare(b.endpoint.ifname, 'en', { numeric: true }));
  }

  portsOf(containerId: string): PublishedPort[] {
    return this.sandboxes.get(containerId)?.ports ?? [];
  }

  sandboxPath(containerId: string): string {
    const s = this.sandboxes.get(containerId);
    return s ? `/run/netns/${s.netns}` : '';
  }

  /** Undoes attach: a stopped (or removed) container's namespace, veths, addresses and ports. */
  async detach(containerId: string): Promise<void> {
    const sandbox = this.sandboxes.get(containerId);
    const eps = this.endpointsOf(containerId);
    if (!sandbox && !eps.length) return;
    const t0 = performance.now();
    for (const { network } of eps) delete network.endpoints[containerId];
    this.sandboxes.delete(containerId);
    for (const p of sandbox?.ports ?? []) this.ports.release(p.proto, p.hostIp, p.hostPort);
    // The veths go with the namespace (the kernel destroys it once the container's processes are
    // gone). Not waited for: nothing depends on it, and reconcile() removes what a crash leaves.
    this.background(unplug(sandbox?.netns, sandbox ? [] : eps.map((e) => e.endpoint.hostVeth)));
    // The host ports are free at once; the rules that led to the container go in the same queue
    // as every rule change, so a port published again meanwhile ends up right.
    if (sandbox?.ports.length) this.background(this.applyRules().catch((err: unknown) => this.o.log.warn('removing published ports failed', { error: messageOf(err) })));
    await Promise.all([
      ...eps.map((e) => this.persist(e.network)),
      this.persistSandbox(containerId),
    ]);
    for (const e of eps) this.event(e.network, 'disconnect', { container: containerId });
    this.o.log.debug('network detached', { id: containerId, ms: (performance.now() - t0).toFixed(1) });
  }

  /** Kernel cleanup nothing waits for; close() lets it finish. */
  private background(work: Promise<void>): void {
    this.backgroundWork.add(work);
    void work.finally(() => this.backgroundWork.delete(work));
  }

  /**
   * After a daemon restart: the namespaces, veths, addresses and ports of containers that are no
   * longer running are removed; those of running ones are kept and their host ports taken again.
   * The nftables table is written afresh from what remains.
   */
  async reconcile(running: ReadonlySet<string>): Promise<void> {
    const gone = new Set<string>();
    for (const id of this.sandboxes.keys()) if (!running.has(id)) gone.add(id);
    for (const n of this.nets.values()) for (const id of Object.keys(n.endpoints)) if (!running.has(id) || !this.sandboxes.has(id)) gone.add(id);
    for (const id of gone) {
      const sandbox = this.sandboxes.get(id);
      const eps = this.endpointsOf(id);
      for (const { network } of eps) delete network.endpoints[id];
      this.sandboxes.delete(id);
      await unplug(sandbox?.netns, eps.map((e) => e.endpoint.hostVeth));
      await Promise.all([...eps.map((e) => this.persist(e.network)), this.persistSandbox(id)]);
    }
    await this.removeOrphans();
    for (const s of this.sandboxes.values()) {
      for (const p of s.ports) {
        await this.ports.reserve(p.proto, p.hostIp, p.hostPort).catch((err: unknown) => {
          this.o.log.warn('a published port could not be held again', { id: s.containerId, port: p.hostPort, error: messageOf(err) });
        });
      }
    }
    await this.applyRules();
  }

  /**
   * Namespaces with this daemon's prefix and veths on its bridges that no record names: what a
   * crash between making them and recording them leaves, and spares of an earlier run.
   */
  private async removeOrphans(): Promise<void> {
    const prefix = `${this.o.bridge}-`;
    const named = new Set([...this.sandboxes.values()].map((s) => s.netns));
    const netns = (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && !named.has(n) && !this.pool.has(n));
    const known = new Set<string>();
    for (const n of this.nets.values()) for (const e of Object.values(n.endpoints)) known.add(e.hostVeth);
    const veths: string[] = [];
    for (const n of this.nets.values()) {
      if (n.driver !== 'bridge') continue;
      for (const v of await readdir(`/sys/class/net/${n.bridge}/brif`).catch(() => [] as string[])) {
        if (!known.has(v) && !this.pool.hasVeth(v)) veths.push(v);
      }
    }
    if (netns.length || veths.length) this.o.log.info('removing network leftovers', { netns: netns.join(','), veths: veths.join(',') });
    await ipBatch([...veths.map((v) => `link del ${v}`), ...netns.map((n) => `netns del ${n}`)], { force: true }).catch(() => {});
  }

  /** Appends a new network's rules (see appendNetworkRules); the whole table is rewritten if that fails. */
  private addNetworkRules(n: NetworkRecord): Promise<void> {
    const next = this.rules.then(async () => {
      const others = [...this.nets.values()].filter((o) => o.driver === 'bridge' && o.id !== n.id).map((o) => o.bridge);
      const text = appendNetworkRules(this.o.table, { bridge: n.bridge, subnet: n.subnet, internal: n.internal }, others);
      await runTool('nft', ['-f', '-'], text).catch(() => runTool('nft', ['-f', '-'], buildRuleset(this.rulesetInput())));
    });
    this.rules = next.catch(() => {});
    return next;
  }

  /** Writes Berth's nftables table from the current state (one `nft` process, one transaction). */
  private applyRules(): Promise<void> {
    const next = this.rules.then(() => runTool('nft', ['-f', '-'], buildRuleset(this.rulesetInput()))).then(() => {});
    this.rules = next.catch(() => {});
    return next;
  }

  private rulesetInput() {
    const bridges = [...this.nets.values()].filter((n) => n.driver === 'bridge');
    const ports = [];
    for (const s of this.sandboxes.values()) {
      const target = this.endpointsOf(s.containerId)[0]?.endpoint.ip;
      if (!target) continue;
      for (const p of s.ports) ports.push({ proto: p.proto, hostIp: p.hostIp, hostPort: p.hostPort, targetIp: target, targetPort: p.containerPort });
    }
    return {
      table: this.o.table,
      networks: bridges.map((n) => ({ bridge: n.bridge, subnet: n.subnet, internal: n.internal })),
      ports,
    };
  }

  /** Stops holding ports (the kernel's rules stay: running containers keep answering). */
  async close(): Promise<void> {
    this.ports.closeAll();
    this.dns.closeAll();
    await Promise.all([this.pool.drain(), ...this.backgroundWork]);
  }

  /** Removes every bridge and the table: for a daemon's data being wiped (tests), never at a stop. */
  async destroyAll(): Promise<void> {
    await removeLinks([...this.nets.values()].filter((n) => n.bridge && linkExists(n.bridge)).map((n) => n.bridge));
    await runTool('nft', ['-f', '-'], deleteRuleset(this.o.table)).catch(() => {});
  }
}

