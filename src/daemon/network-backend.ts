import type * as Api from '../api/types/index.js';
import type { NetworksBackend } from '../api/routes/networks.js';
import { filterRegExp, untilFilterMs, type Filters } from '../api/routes/system.js';
import { InvalidArgument } from '../common/errors.js';
import type { ContainerService } from '../container/container-service.js';
import type { NetworkService } from '../network/network-service.js';
import { isPredefined, type NetworkRecord } from '../network/network.js';

const listFilters = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);
const pruneFilters = new Set(['label', 'label!', 'until']);

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return Object.hasOwn(labels, want);
  return labels[want.slice(0, i)] === want.slice(i + 1);
}

/** The Engine API's view of networks, over the network and container services. */
export class NetworkBackend implements NetworksBackend {
  constructor(private readonly networks: NetworkService, private readonly containers: ContainerService) {}

  private toApi(n: NetworkRecord, withContainers: boolean): Api.Network {
    const containers: Record<string, Api.NetworkContainer> = {};
    if (withContainers) {
      for (const e of Object.values(n.endpoints)) {
        containers[e.containerId] = {
          Name: this.containers.store.find(e.containerId)?.name ?? e.containerName, EndpointID: e.id, MacAddress: e.mac,
          IPv4Address: `${e.ip}/${n.subnet.split('/')[1]}`, IPv6Address: '',
        };
      }
    }
    return {
      Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv6: false,
      IPAM: { Driver: 'default', Options: n.driver === 'bridge' && !n.isDefault ? {} : null, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [] },
      Internal: n.internal, Attachable: n.attachable, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
      Containers: containers, Options: n.options, Labels: n.labels,
    };
  }

  private matcher(filters: Filters): (n: NetworkRecord) => boolean {
    for (const k of Object.keys(filters)) if (!listFilters.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const names = (filters.name ?? []).map((p) => filterRegExp(p, 'name'));
    for (const t of filters.type ?? []) if (t !== 'custom' && t !== 'builtin') throw new InvalidArgument(`invalid filter: 'type'='${t}'`);
    return (n) => {
      if (filters.driver && !filters.driver.includes(n.driver)) return false;
      if (filters.id && !filters.id.some((p) => n.id.startsWith(p))) return false;
      if (names.length && !names.some((re) => re.test(n.name))) return false;
      if (filters.label && !filters.label.every((l) => labelMatches(n.labels, l))) return false;
      if (filters.scope && !filters.scope.includes('local')) return false;
      if (filters.type && !filters.type.includes(isPredefined(n) ? 'builtin' : 'custom')) return false;
      if (filters.dangling) {
        const want = filters.dangling.includes('true') || filters.dangling.includes('1');
        if (want !== (!isPredefined(n) && Object.keys(n.endpoints).length === 0)) return false;
      }
      return true;
    };
  }

  list(filters: Filters): Api.Network[] {
    const match = this.matcher(filters);
    return this.networks.list().filter(match).map((n) => this.toApi(n, false));
  }

  inspect(ref: string): Api.Network {
    return this.toApi(this.networks.resolve(ref), true);
  }

  async create(req: Api.NetworkCreateRequest): Promise<Api.NetworkCreateResponse> {
    const ipam = req.IPAM?.Config ?? [];
    if (ipam.length > 1) throw new InvalidArgument('only one IPv4 subnet per network is supported');
    if (req.EnableIPv6) throw new InvalidArgument('IPv6 networks are not supported');
    const n = await this.networks.create({
      name: req.Name ?? '', driver: req.Driver || 'bridge', subnet: ipam[0]?.Subnet ?? '', gateway: ipam[0]?.Gateway ?? '',
      internal: req.Internal ?? false, attachable: req.Attachable ?? false, labels: req.Labels ?? {}, options: req.Options ?? {},
      checkDuplicate: req.CheckDuplicate ?? true,
    });
    return { Id: n.id, Warning: '' };
  }

  remove(ref: string): Promise<void> {
    return this.networks.remove(ref);
  }

  async prune(filters: Filters): Promise<Api.NetworkPruneResponse> {
    for (const k of Object.keys(filters)) if (!pruneFilters.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const until = untilFilterMs(filters);
    const deleted = await this.networks.prune((n) =>
      (until === undefined || Date.parse(n.created) < until) &&
      (filters.label ?? []).every((l) => labelMatches(n.labels, l)) &&
      !(filters['label!'] ?? []).some((l) => labelMatches(n.labels, l)));
    return { NetworksDeleted: deleted.length ? deleted : null };
  }

  async connect(ref: string, req: Api.NetworkConnectRequest): Promise<void> {
    const e = req.EndpointConfig ?? {};
    const ipam = (e.IPAMConfig ?? {}) as { IPv4Address?: string };
    await this.containers.connect(ref, req.Container!, { aliases: e.Aliases ?? [], ipv4Address: ipam.IPv4Address ?? '' });
  }

  async disconnect(ref: string, req: Api.NetworkConnectRequest): Promise<void> {
    await this.containers.disconnect(ref, req.Container!);
  }
}
