import { InvalidArgument } from '../../common/errors.js';
import { humanDuration } from '../../common/human-duration.js';
import { unixSeconds, ZERO_TIME } from '../../common/time.js';
import type * as Api from '../../api/types/index.js';
import type { ContainerConfig, ContainerRecord, HostConfig } from '../../container/container.js';
import type { CreateOptions } from '../../container/container-service.js';
import { fromApiMounts, toApiMountPoints, toApiMounts } from './mount-api.js';
import { toApiNetworks, toApiNetworkSettings, toApiPortList, type NetworkView } from './network-settings-api.js';

/** Docker's Cmd/Entrypoint: an array, a string (shell-less split by the old API), or null. */
function argv(v: string[] | string | null | undefined): string[] | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidArgument('Cmd and Entrypoint must be arrays of strings');
  return v;
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidArgument(`${field} must be an array of strings`);
  return v;
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgument(`${field} must be a number`);
  return v;
}

/** The create request body, checked, as the container layer takes it. */
export function fromApiCreate(name: string, b: Api.ContainerCreateRequest): CreateOptions {
  if (typeof b.Image !== 'string' || b.Image === '') throw new InvalidArgument('No image was specified');
  const h = b.HostConfig ?? {};
  if (typeof h !== 'object') throw new InvalidArgument('HostConfig must be an object');
  const cmd = argv(b.Cmd);
  const entrypoint = argv(b.Entrypoint);
  const config: CreateOptions['config'] = {
    image: b.Image,
    hostname: b.Hostname ?? '',
    domainname: b.Domainname ?? '',
    user: b.User ?? '',
    attachStdin: b.AttachStdin ?? false,
    attachStdout: b.AttachStdout ?? false,
    attachStderr: b.AttachStderr ?? false,
    exposedPorts: Object.keys(b.ExposedPorts ?? {}),
    tty: b.Tty ?? false,
    openStdin: b.OpenStdin ?? false,
    stdinOnce: b.StdinOnce ?? false,
    env: strings(b.Env, 'Env'),
    ...(cmd !== undefined ? { cmd } : {}),
    ...(entrypoint !== undefined ? { entrypoint } : {}),
    volumes: Object.keys(b.Volumes ?? {}),
    workingDir: b.WorkingDir ?? '',
    labels: b.Labels ?? {},
    stopSignal: b.StopSignal ?? '',
    stopTimeout: b.StopTimeout ?? null,
    argsEscaped: b.ArgsEscaped ?? false,
    ...(b.OnBuild ? { onBuild: b.OnBuild } : {}),
    ...(b.Shell ? { shell: b.Shell } : {}),
    ...(b.Healthcheck
      ? {
          healthcheck: {
            test: b.Healthcheck.Test ?? [],
            intervalNs: b.Healthcheck.Interval ?? 0,
            timeoutNs: b.Healthcheck.Timeout ?? 0,
            startPeriodNs: b.Healthcheck.StartPeriod ?? 0,
            retries: b.Healthcheck.Retries ?? 0,
          },
        }
      : {}),
  };
  const net = h.NetworkMode ?? '';
  const rp = h.RestartPolicy ?? {};
  if (rp.Name && !['no', 'always', 'unless-stopped', 'on-failure'].includes(rp.Name)) {
    throw new InvalidArgument(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  const hostConfig: Partial<HostConfig> = {
    autoRemove: h.AutoRemove ?? false,
    networkMode: net || 'default',
    ...(h.Runtime ? { runtime: h.Runtime } : {}),
    restartPolicy: { name: rp.Name ?? 'no', maximumRetryCount: rp.MaximumRetryCount ?? 0 },
    // An empty type is the daemon's default driver, chosen at create.
    logConfig: { type: h.LogConfig?.Type ?? '', config: h.LogConfig?.Config ?? {} },
    binds: strings(h.Binds, 'Binds'),
    mounts: fromApiMounts(h.Mounts),
    privileged: h.Privileged ?? false,
    readonlyRootfs: h.ReadonlyRootfs ?? false,
    capAdd: strings(h.CapAdd, 'CapAdd'),
    capDrop: strings(h.CapDrop, 'CapDrop'),
    securityOpt: strings(h.SecurityOpt, 'SecurityOpt'),
    groupAdd: strings(h.GroupAdd, 'GroupAdd'),
    init: h.Init ?? false,
    memory: num(h.Memory, 'Memory') ?? 0,
    memorySwap: num(h.MemorySwap, 'MemorySwap') ?? 0,
    memoryReservation: num(h.MemoryReservation, 'MemoryReservation') ?? 0,
    memorySwappiness: num(h.MemorySwappiness, 'MemorySwappiness') ?? null,
    oomKillDisable: h.OomKillDisable ?? false,
    nanoCpus: num(h.NanoCpus, 'NanoCpus') ?? 0,
    cpuShares: num(h.CpuShares, 'CpuShares') ?? 0,
    cpuPeriod: num(h.CpuPeriod, 'CpuPeriod') ?? 0,
    cpuQuota: num(h.CpuQuota, 'CpuQuota') ?? 0,
    cpusetCpus: h.CpusetCpus ?? '',
    cpusetMems: h.CpusetMems ?? '',
    pidsLimit: num(h.PidsLimit, 'PidsLimit') ?? null,
    blkioWeight: num(h.BlkioWeight, 'BlkioWeight') ?? 0,
    ulimits: (h.Ulimits ?? []).map((u) => ({ name: u.Name ?? '', soft: u.Soft ?? 0, hard: u.Hard ?? 0 })),
    sysctls: h.Sysctls ?? {},
    tmpfs: h.Tmpfs ?? {},
    shmSize: num(h.ShmSize, 'ShmSize') || 67108864,
    consoleSize: h.ConsoleSize && h.ConsoleSize[0] && h.ConsoleSize[1] ? [h.ConsoleSize[0], h.ConsoleSize[1]] : null,
    dns: strings(h.Dns, 'Dns'),
    dnsOptions: strings(h.DnsOptions, 'DnsOptions'),
    dnsSearch: strings(h.DnsSearch, 'DnsSearch'),
    extraHosts: strings(h.ExtraHosts, 'ExtraHosts'),
    oomScoreAdj: num(h.OomScoreAdj, 'OomScoreAdj') ?? 0,
    cgroupParent: h.CgroupParent ?? '',
    pidMode: h.PidMode ?? '',
    ipcMode: h.IpcMode || 'private',
    utsMode: h.UTSMode ?? '',
    maskedPaths: h.MaskedPaths ?? null,
    readonlyPaths: h.ReadonlyPaths ?? null,
    portBindings: Object.fromEntries(
      Object.entries(h.PortBindings ?? {}).map(([k, v]) => [k, (v ?? []).map((p) => ({ hostIp: p.HostIp ?? '', hostPort: p.HostPort ?? '' }))]),
    ),
    publishAllPorts: h.PublishAllPorts ?? false,
    volumesFrom: strings(h.VolumesFrom, 'VolumesFrom'),
    devices: (h.Devices ?? []).map((d) => ({ pathOnHost: d.PathOnHost ?? '', pathInContainer: d.PathInContainer ?? '', cgroupPermissions: d.CgroupPermissions ?? 'rwm' })),
  };
  if (hostConfig.autoRemove && rp.Name && rp.Name !== 'no') {
    throw new InvalidArgument('can\'t create \'AutoRemove\' container with restart policy');
  }
  const endpoints: NonNullable<CreateOptions['endpoints']> = {};
  for (const [net, e] of Object.entries(b.NetworkingConfig?.EndpointsConfig ?? {})) {
    const ipam = (e?.IPAMConfig ?? {}) as { IPv4Address?: string };
    endpoints[net] = { aliases: strings(e?.Aliases ?? [], 'Aliases'), ipv4Address: ipam.IPv4Address ?? '' };
  }
  return { name, config, hostConfig, endpoints };
}

const set = (keys: string[]) => (keys.length ? Object.fromEntries(keys.map((k) => [k, {}])) : null);

export function toApiConfig(c: ContainerConfig): Api.ContainerConfig {
  return {
    Hostname: c.hostname,
    Domainname: c.domainname,
    User: c.user,
    AttachStdin: c.attachStdin,
    AttachStdout: c.attachStdout,
    AttachStderr: c.attachStderr,
    ...(c.exposedPorts.length ? { ExposedPorts: set(c.exposedPorts) } : {}),
    Tty: c.tty,
    OpenStdin: c.openStdin,
    StdinOnce: c.stdinOnce,
    Env: c.env,
    Cmd: c.cmd,
    ...(c.healthcheck
      ? { Healthcheck: { Test: c.healthcheck.test, Interval: c.healthcheck.intervalNs, Timeout: c.healthcheck.timeoutNs, StartPeriod: c.healthcheck.startPeriodNs, Retries: c.healthcheck.retries } }
      : {}),
    Image: c.image,
    Volumes: set(c.volumes),
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint,
    OnBuild: c.onBuild,
    Labels: c.labels,
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    ...(c.stopTimeout !== null ? { StopTimeout: c.stopTimeout } : {}),
  };
}

export function toApiHostConfig(h: HostConfig): Api.HostConfig {
  return {
    Binds: h.binds.length ? h.binds : null,
    ...((h.mounts ?? []).length ? { Mounts: toApiMounts(h.mounts) } : {}),
    ContainerIDFile: '',
    LogConfig: { Type: h.logConfig.type, Config: h.logConfig.config },
    NetworkMode: h.networkMode,
    PortBindings: Object.fromEntries(
      Object.entries(h.portBindings).map(([k, v]) => [k, v.map((p) => ({ HostIp: p.hostIp, HostPort: p.hostPort }))]),
    ),
    RestartPolicy: { Name: h.restartPolicy.name, MaximumRetryCount: h.restartPolicy.maximumRetryCount },
    AutoRemove: h.autoRemove,
    VolumeDriver: '',
    VolumesFrom: h.volumesFrom.length ? h.volumesFrom : null,
    ConsoleSize: h.consoleSize ?? [0, 0],
    CapAdd: h.capAdd.length ? h.capAdd : null,
    CapDrop: h.capDrop.length ? h.capDrop : null,
    CgroupnsMode: 'host',
    Dns: h.dns,
    DnsOptions: h.dnsOptions,
    DnsSearch: h.dnsSearch,
    ExtraHosts: h.extraHosts.length ? h.extraHosts : null,
    GroupAdd: h.groupAdd.length ? h.groupAdd : null,
    IpcMode: h.ipcMode,
    Cgroup: '',
    Links: null,
    OomScoreAdj: h.oomScoreAdj,
    PidMode: h.pidMode,
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: h.securityOpt.length ? h.securityOpt : null,
    ...(Object.keys(h.tmpfs).length ? { Tmpfs: h.tmpfs } : {}),
    UTSMode: h.utsMode,
    UsernsMode: '',
    ShmSize: h.shmSize,
    ...(Object.keys(h.sysctls).length ? { Sysctls: h.sysctls } : {}),
    Runtime: h.runtime,
    Isolation: '',
    CpuShares: h.cpuShares,
    Memory: h.memory,
    NanoCpus: h.nanoCpus,
    CgroupParent: h.cgroupParent,
    BlkioWeight: h.blkioWeight,
    CpuPeriod: h.cpuPeriod,
    CpuQuota: h.cpuQuota,
    CpusetCpus: h.cpusetCpus,
    CpusetMems: h.cpusetMems,
    Devices: h.devices.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    MemoryReservation: h.memoryReservation,
    MemorySwap: h.memorySwap,
    MemorySwappiness: h.memorySwappiness,
    OomKillDisable: h.oomKillDisable,
    PidsLimit: h.pidsLimit,
    Ulimits: h.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    MaskedPaths: h.maskedPaths,
    ReadonlyPaths: h.readonlyPaths,
    Init: h.init,
  };
}

export function toApiState(rec: ContainerRecord): Api.ContainerState {
  const s = rec.state;
  const running = s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
  return {
    Status: s.status,
    Running: running,
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: running ? s.pid : 0,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...(s.health
      ? {
          Health: {
            Status: s.health.status,
            FailingStreak: s.health.failingStreak,
            Log: s.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
          },
        }
      : {}),
  };
}

/** ps's health note: moby's Health.String(). */
function healthNote(rec: ContainerRecord): string {
  const h = rec.state.health;
  if (!h) return '';
  return h.status === 'starting' ? ' (health: starting)' : ` (${h.status})`;
}

/** The human status of `docker ps` (moby's State.String()). */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  switch (s.status) {
    case 'paused':
      return `Up ${since(s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case 'running':
      return `Up ${since(s.startedAt)}${healthNote(rec)}`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      if (s.startedAt === ZERO_TIME) return 'Created';
      if (s.finishedAt === ZERO_TIME) return '';
      return `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
  }
}

export interface InspectExtras {
  paths: { hosts: string; hostname: string; resolvConf: string; log: string };
  graphDriverData: Record<string, string> | null;
  execIds: string[];
  sizeRw?: number;
  sizeRootFs?: number;
  networks: NetworkView;
}

export function toApiInspect(rec: ContainerRecord, x: InspectExtras): Api.ContainerInspect {
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: toApiState(rec),
    Image: rec.imageId,
    ResolvConfPath: x.paths.resolvConf,
    HostnamePath: x.paths.hostname,
    HostsPath: x.paths.hosts,
    LogPath: x.paths.log,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: x.execIds.length ? x.execIds : null,
    HostConfig: toApiHostConfig(rec.hostConfig),
    GraphDriver: { Name: 'overlay2', Data: x.graphDriverData },
    ...(x.sizeRw !== undefined ? { SizeRw: x.sizeRw } : {}),
    ...(x.sizeRootFs !== undefined ? { SizeRootFs: x.sizeRootFs } : {}),
    Mounts: toApiMountPoints(rec.mountPoints),
    Config: toApiConfig(rec.config),
    NetworkSettings: toApiNetworkSettings(rec, x.networks, isRunning(rec)),
  };
}

/** `docker ps` quotes the command as entrypoint + cmd joined by spaces. */
function commandOf(rec: ContainerRecord): string {
  return [rec.path, ...rec.args].join(' ');
}

function isRunning(rec: ContainerRecord): boolean {
  return ['running', 'paused', 'restarting'].includes(rec.state.status);
}

export function toApiSummary(rec: ContainerRecord, o: { size?: { rw: number; rootFs: number }; now?: number; networks: NetworkView }): Api.ContainerSummary {
  const { size, now = Date.now() } = o;
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.config.image,
    ImageID: rec.imageId,
    Command: commandOf(rec),
    Created: unixSeconds(rec.created),
    Ports: toApiPortList(rec, o.networks, isRunning(rec)),
    ...(size ? { SizeRw: size.rw, SizeRootFs: size.rootFs } : {}),
    Labels: rec.config.labels,
    State: rec.state.status,
    Status: statusText(rec, now),
    HostConfig: { NetworkMode: rec.hostConfig.networkMode },
    NetworkSettings: { Networks: toApiNetworks(rec, o.networks) },
    Mounts: toApiMountPoints(rec.mountPoints),
  };
}
