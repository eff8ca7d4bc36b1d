import { constants } from 'node:os';
import { InvalidArgument } from '../common/errors.js';
import { checkShape, describe, stringMap, strings, type Shape } from './json-shape.js';

/** swagger 1.43 HealthConfig. */
const healthConfig: Shape = {
  object: { Test: strings, Interval: 'integer', Timeout: 'integer', Retries: 'integer', StartPeriod: 'integer', StartInterval: 'integer' },
};

/** swagger 1.43 ContainerConfig (the create body's top level). */
const containerConfig: Record<string, Shape> = {
  Hostname: 'string', Domainname: 'string', User: 'string', AttachStdin: 'boolean', AttachStdout: 'boolean',
  AttachStderr: 'boolean', ExposedPorts: { map: { object: {} } }, Tty: 'boolean', OpenStdin: 'boolean', StdinOnce: 'boolean',
  Env: strings, Cmd: { oneOf: ['string', strings] }, Healthcheck: healthConfig, ArgsEscaped: 'boolean', Image: 'string',
  Volumes: { map: { object: {} } }, WorkingDir: 'string', Entrypoint: { oneOf: ['string', strings] }, NetworkDisabled: 'boolean',
  MacAddress: 'string', OnBuild: strings, Labels: stringMap, StopSignal: 'string', StopTimeout: 'integer', Shell: strings,
};

const throttle: Shape = { array: { object: { Path: 'string', Rate: 'integer' } } };

/** swagger 1.43 Resources, part of HostConfig. */
const resources: Record<string, Shape> = {
  CpuShares: 'integer', Memory: 'integer', CgroupParent: 'string', BlkioWeight: 'integer',
  BlkioWeightDevice: { array: { object: { Path: 'string', Weight: 'integer' } } },
  BlkioDeviceReadBps: throttle, BlkioDeviceWriteBps: throttle, BlkioDeviceReadIOps: throttle, BlkioDeviceWriteIOps: throttle,
  CpuPeriod: 'integer', CpuQuota: 'integer', CpuRealtimePeriod: 'integer', CpuRealtimeRuntime: 'integer', CpusetCpus: 'string',
  CpusetMems: 'string', Devices: { array: { object: { PathOnHost: 'string', PathInContainer: 'string', CgroupPermissions: 'string' } } },
  DeviceCgroupRules: strings,
  DeviceRequests: { array: { object: { Driver: 'string', Count: 'integer', DeviceIDs: strings, Capabilities: { array: strings }, Options: stringMap } } },
  KernelMemoryTCP: 'integer', MemoryReservation: 'integer', MemorySwap: 'integer', MemorySwappiness: 'integer', NanoCpus: 'integer',
  OomKillDisable: 'boolean', Init: 'boolean', PidsLimit: 'integer', Ulimits: { array: { object: { Name: 'string', Soft: 'integer', Hard: 'integer' } } },
  CpuCount: 'integer', CpuPercent: 'integer', IOMaximumIOps: 'integer', IOMaximumBandwidth: 'integer',
};

const mount: Shape = {
  object: {
    Target: 'string', Source: 'string', Type: 'string', ReadOnly: 'boolean', Consistency: 'string',
    BindOptions: { object: { Propagation: 'string', NonRecursive: 'boolean', CreateMountpoint: 'boolean' } },
    VolumeOptions: { object: { NoCopy: 'boolean', Labels: stringMap, DriverConfig: { object: { Name: 'string', Options: stringMap } } } },
    TmpfsOptions: { object: { SizeBytes: 'integer', Mode: 'integer' } },
  },
};

/** swagger 1.43 HostConfig. */
const hostConfig: Shape = {
  object: {
    ...resources,
    Binds: strings, ContainerIDFile: 'string', LogConfig: { object: { Type: 'string', Config: stringMap } }, NetworkMode: 'string',
    PortBindings: { map: { array: { object: { HostIp: 'string', HostPort: 'string' } } } },
    RestartPolicy: { object: { Name: 'string', MaximumRetryCount: 'integer' } }, AutoRemove: 'boolean', VolumeDriver: 'string',
    VolumesFrom: strings, Mounts: { array: mount }, ConsoleSize: { array: 'integer' }, Annotations: stringMap, CapAdd: strings,
    CapDrop: strings, CgroupnsMode: 'string', Dns: strings, DnsOptions: strings, DnsSearch: strings, ExtraHosts: strings,
    GroupAdd: strings, IpcMode: 'string', Cgroup: 'string', Links: strings, OomScoreAdj: 'integer', PidMode: 'string',
    Privileged: 'boolean', PublishAllPorts: 'boolean', ReadonlyRootfs: 'boolean', SecurityOpt: strings, StorageOpt: stringMap,
    Tmpfs: stringMap, UTSMode: 'string', UsernsMode: 'string', ShmSize: 'integer', Sysctls: stringMap, Runtime: 'string',
    Isolation: 'string', MaskedPaths: strings, ReadonlyPaths: strings,
  },
};

const endpointSettings: Shape = {
  object: {
    IPAMConfig: { object: { IPv4Address: 'string', IPv6Address: 'string', LinkLocalIPs: strings } },
    Links: strings, Aliases: strings, NetworkID: 'string', EndpointID: 'string', Gateway: 'string', IPAddress: 'string',
    IPPrefixLen: 'integer', IPv6Gateway: 'string', GlobalIPv6Address: 'string', GlobalIPv6PrefixLen: 'integer',
    MacAddress: 'string', DriverOpts: stringMap,
  },
};

export const containerCreateShape: Shape = {
  object: { ...containerConfig, HostConfig: hostConfig, NetworkingConfig: { object: { EndpointsConfig: { map: endpointSettings } } } },
};

/** moby's linuxMinMemory. */
const MIN_MEMORY = 6 * 1024 * 1024;
/** A terminal dimension goes to the kernel as an unsigned short. */
const MAX_TERMINAL_SIDE = 65535;
/** HOST_NAME_MAX: sethostname(2) refuses more, and the start would fail. */
const MAX_HOSTNAME = 64;
const ULIMITS = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

/** Whether Docker accepts a signal name or number: "9", "KILL", "SIGKILL", "sigkill", "SIGRTMIN+3". */
export function isSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) <= 64;
  const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
  const rt = /^SIGRTMIN\+(\d+)$/.exec(name);
  if (rt) return Number(rt[1]) <= 30;
  return (constants.signals as Record<string, number>)[name] !== undefined;
}

/** "0-3,5" → the listed numbers; undefined when malformed (moby parsers.ParseUintList). */
function parseCpuList(s: string): number[] | undefined {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

function hasControl(s: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(s);
}

type Obj = Record<string, unknown>;
const int = (o: Obj, k: string): number => (typeof o[k] === 'number' ? (o[k] as number) : 0);
const str = (o: Obj, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');

/** moby's RestartPolicy validation, with its messages. */
function checkRestartPolicy(rp: Obj): void {
  const name = str(rp, 'Name');
  const count = int(rp, 'MaximumRetryCount');
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (count !== 0) {
        throw new InvalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'${count < 0 ? ' and cannot be negative' : ''}`);
      }
      return;
    case 'on-failure':
      if (count < 0) throw new InvalidArgument('invalid restart policy: maximum retry count cannot be negative');
      return;
    case '':
      return;
    default:
      throw new InvalidArgument(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

/** moby's checks of the resource settings (verifyPlatformContainerResources), with its messages. */
function checkResources(h: Obj, cpus: number, update = false): void {
  const memory = int(h, 'Memory');
  const swap = int(h, 'MemorySwap');
  const reservation = int(h, 'MemoryReservation');
  if (memory !== 0 && memory < MIN_MEMORY) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) throw new InvalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0 && !update) throw new InvalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap < -1) throw new InvalidArgument(`invalid MemorySwap ${swap}: use -1 for unlimited swap`);
  if (typeof h.MemorySwappiness === 'number' && h.MemorySwappiness !== -1 && (h.MemorySwappiness < 0 || h.MemorySwappiness > 100)) {
    throw new InvalidArgument(`Invalid value: ${h.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (reservation !== 0 && reservation < MIN_MEMORY) throw new InvalidArgument('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw new InvalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const nano = int(h, 'NanoCpus');
  if (nano > 0 && int(h, 'CpuPeriod') > 0) throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && int(h, 'CpuQuota') > 0) throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > cpus * 1e9) throw new InvalidArgument(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  const period = int(h, 'CpuPeriod');
  if (period !== 0 && (period < 1000 || period > 1000000)) {
    throw new InvalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  const quota = int(h, 'CpuQuota');
  if (quota > 0 && quota < 1000) throw new InvalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (quota < -1) throw new InvalidArgument(`invalid CpuQuota ${quota}: use -1 for no quota`);
  for (const [field, what] of [['CpusetCpus', 'cpus'], ['CpusetMems', 'mems']] as const) {
    const v = str(h, field);
    if (!v) continue;
    const list = parseCpuList(v);
    if (!list) throw new InvalidArgument(`Invalid value ${v} for cpuset ${what}`);
    if (what === 'cpus' && list.some((c) => c >= cpus)) {
      throw new InvalidArgument(`Requested CPUs are not available - requested ${v}, available: ${cpus === 1 ? '0' : `0-${cpus - 1}`}`);
    }
  }
  const blkio = int(h, 'BlkioWeight');
  if (blkio !== 0 && (blkio < 10 || blkio > 1000)) throw new InvalidArgument('Range of blkio weight is from 10 to 1000');
  if (int(h, 'IOMaximumBandwidth') !== 0 || int(h, 'IOMaximumIOps') !== 0) {
    throw new InvalidArgument('Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
  }
  for (const [i, u] of ((h.Ulimits as Obj[] | null | undefined) ?? []).entries()) {
    if (!u) continue;
    if (!ULIMITS.has(str(u, 'Name'))) throw new InvalidArgument(`invalid ulimit type: ${str(u, 'Name') || `(empty name in Ulimits[${i}])`}`);
    const soft = int(u, 'Soft');
    const hard = int(u, 'Hard');
    if (soft >= 0 && hard >= 0 && soft > hard) throw new InvalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  }
}

const MODES: Record<string, (v: string) => boolean> = {
  IpcMode: (v) => ['', 'none', 'private', 'shareable', 'host'].includes(v) || /^container:.+/.test(v),
  PidMode: (v) => ['', 'host'].includes(v) || /^container:.+/.test(v),
  UTSMode: (v) => ['', 'host'].includes(v),
  CgroupnsMode: (v) => ['', 'private', 'host'].includes(v),
};
const MODE_NAMES: Record<string, string> = { IpcMode: 'IPC', PidMode: 'PID', UTSMode: 'UTS', CgroupnsMode: 'cgroup namespace' };

/** moby's checks of the host settings (verifyPlatformContainerSettings), with its messages. */
function checkHostConfig(h: Obj, cpus: number): void {
  checkResources(h, cpus);
  if (h.RestartPolicy) checkRestartPolicy(h.RestartPolicy as Obj);
  if (int(h, 'ShmSize') < 0) throw new InvalidArgument('SHM size can not be less than 0');
  const oom = int(h, 'OomScoreAdj');
  if (oom < -1000 || oom > 1000) throw new InvalidArgument(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  for (const [field, valid] of Object.entries(MODES)) {
    const v = str(h, field);
    if (!valid(v)) throw new InvalidArgument(`invalid ${MODE_NAMES[field]} mode: ${v}`);
  }
  checkConsoleSize(h.ConsoleSize);
}

/** A [height, width] terminal size (already shaped as an array of integers), or null. */
export function checkConsoleSize(v: unknown): void {
  const size = v as number[] | null | undefined;
  if (size && (size.length > 2 || size.some((n) => n < 0 || n > MAX_TERMINAL_SIDE))) {
    throw new InvalidArgument(`invalid ConsoleSize ${JSON.stringify(size)}: want [height, width], each 0..${MAX_TERMINAL_SIDE}`);
  }
}

/** moby's checks of the container settings (verifyContainerSettings), with its messages. */
function checkConfig(b: Obj): void {
  for (const e of (b.Env as string[] | null | undefined) ?? []) {
    const k = e.split('=', 1)[0];
    if (!k) throw new InvalidArgument(`invalid environment variable: ${e}`);
  }
  const wd = str(b, 'WorkingDir');
  if (wd && !wd.startsWith('/')) throw new InvalidArgument(`the working directory '${wd}' is invalid, it needs to be an absolute path`);
  const sig = str(b, 'StopSignal');
  if (sig && !isSignal(sig)) throw new InvalidArgument(`Invalid signal: ${sig}`);
  for (const field of ['Hostname', 'Domainname'] as const) {
    const v = str(b, field);
    if (v.length > MAX_HOSTNAME || hasControl(v) || /\s/.test(v)) {
      throw new InvalidArgument(`invalid ${field.toLowerCase()} ${describe(v)}: at most ${MAX_HOSTNAME} characters, no spaces or control characters`);
    }
  }
  const hc = b.Healthcheck as Obj | null | undefined;
  if (hc) {
    for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval']) {
      const v = int(hc, k);
      if (v !== 0 && v < 1_000_000) throw new InvalidArgument(`${k} in Healthcheck cannot be less than 1ms`);
    }
    if (int(hc, 'Retries') < 0) throw new InvalidArgument('Retries in Healthcheck cannot be negative');
  }
}

/**
 * Checks a create body before anything of it is used: its JSON shape against the swagger, then
 * the rules moby applies at create. `cpus` is the host's CPU count, which bounds NanoCpus and
 * CpusetCpus as in moby.
 */
export function checkContainerCreate(body: unknown, host: { cpus: number }): void {
  checkShape(body, containerCreateShape, '');
  const b = body as Obj;
  checkConfig(b);
  if (b.HostConfig) checkHostConfig(b.HostConfig as Obj, host.cpus);
}

/** The resource settings of POST /containers/{id}/update, checked as at create. */
export function checkContainerUpdate(body: unknown, host: { cpus: number }): void {
  checkShape(body, { object: { ...resources, RestartPolicy: { object: { Name: 'string', MaximumRetryCount: 'integer' } } } }, '');
  const b = body as Obj;
  checkResources(b, host.cpus, true);
  if (b.RestartPolicy) checkRestartPolicy(b.RestartPolicy as Obj);
}
