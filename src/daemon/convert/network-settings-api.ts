import type * as Api from '../../api/types/index.js';
import type { ContainerRecord } from '../../container/container.js';
import type { AttachedEndpoint } from '../../network/network-service.js';
import type { NetworkRecord, PublishedPort } from '../../network/network.js';

/** What the API's view of a container needs of the networks. */
export interface NetworkView {
  find(ref: string): NetworkRecord | undefined;
  endpointsOf(containerId: string): AttachedEndpoint[];
  portsOf(containerId: string): PublishedPort[];
  sandboxPath(containerId: string): string;
}

const emptyEndpoint = (): Api.EndpointSettings => ({
  IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '',
  IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
});

/** NetworkSettings.Networks: each network the container joins, with its address while it runs. */
export function toApiNetworks(rec: ContainerRecord, view: NetworkView): Record<string, Api.EndpointSettings> {
  const mode = rec.hostConfig.networkMode;
  if (mode === 'host' || mode === 'none') return { [mode]: { ...emptyEndpoint(), NetworkID: view.find(mode)?.id ?? mode } };
  const attached = new Map(view.endpointsOf(rec.id).map((a) => [a.network.id, a]));
  const out: Record<string, Api.EndpointSettings> = {};
  for (const [name, cfg] of Object.entries(rec.networks ?? {})) {
    const n = view.find(name);
    const a = n ? attached.get(n.id) : undefined;
    const e = a?.endpoint;
    out[name] = {
      ...emptyEndpoint(),
      IPAMConfig: cfg.ipv4Address ? { IPv4Address: cfg.ipv4Address } : null,
      Aliases: n && !n.isDefault ? (e?.aliases ?? cfg.aliases) : null,
      NetworkID: n?.id ?? '',
      EndpointID: e?.id ?? '',
      Gateway: e ? a!.network.gateway : '',
      IPAddress: e?.ip ?? '',
      IPPrefixLen: e ? Number(a!.network.subnet.split('/')[1]) : 0,
      MacAddress: e?.mac ?? '',
    };
  }
  return out;
}

/** NetworkSettings.Ports: exposed and published ports of a running container (`docker port` reads it). */
export function toApiPortMap(rec: ContainerRecord, view: NetworkView, running: boolean): Api.PortMap {
  if (!running) return {};
  const map: Api.PortMap = {};
  for (const k of [...rec.config.exposedPorts, ...Object.keys(rec.hostConfig.portBindings)]) map[k.includes('/') ? k : `${k}/tcp`] = null;
  for (const p of view.portsOf(rec.id)) {
    const k = `${p.containerPort}/${p.proto}`;
    (map[k] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return map;
}

/** The Ports of `docker ps`: published ports with their host side, exposed ones alone. */
export function toApiPortList(rec: ContainerRecord, view: NetworkView, running: boolean): Api.Port[] {
  const out: Api.Port[] = [];
  for (const [k, binds] of Object.entries(toApiPortMap(rec, view, running))) {
    const [port, proto] = k.split('/');
    const Type = proto as Api.Port['Type'];
    if (!binds) out.push({ PrivatePort: Number(port), Type });
    else for (const b of binds) out.push({ IP: b.HostIp ?? '', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type });
  }
  return out;
}

/** The top-level fields of NetworkSettings: Docker fills them from the default bridge's endpoint. */
export function toApiNetworkSettings(rec: ContainerRecord, view: NetworkView, running: boolean): Api.NetworkSettings {
  const networks = toApiNetworks(rec, view);
  const b = networks['bridge'];
  const sandbox = running ? view.sandboxPath(rec.id) : '';
  return {
    Bridge: '', SandboxID: sandbox ? rec.id : '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: toApiPortMap(rec, view, running), SandboxKey: sandbox, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    EndpointID: b?.EndpointID ?? '', Gateway: b?.Gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: b?.IPAddress ?? '', IPPrefixLen: b?.IPPrefixLen ?? 0, IPv6Gateway: '', MacAddress: b?.MacAddress ?? '',
    Networks: networks,
  };
}
