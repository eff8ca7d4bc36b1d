import { readFileSync } from 'node:fs';
import type { Ulimit } from '../../api/types/index.js';
import type { ContainerCreateBody, EndpointSettingsBody } from '../../client/index.js';
import { StatusError } from '../status-error.js';
import { parseEnvFile, resolveEnvFlag } from '../options/parse-env-file.js';
import { parseExposedPorts, parsePortSpecs } from '../options/parse-port-specs.js';
import { parseRestartPolicy } from '../options/parse-restart-policy.js';
import { parseHealthFlags } from '../options/parse-health-flags.js';
import type { ContainerFlags } from './container-flags.js';

export interface CreateRequest {
  body: ContainerCreateBody;
  name: string | undefined;
  platform: string | undefined;
}

export interface CreateContext {
  image: string;
  /** Everything after the image. */
  command: string[];
  env: NodeJS.ProcessEnv;
  /** Detached runs attach nothing (and `create` attaches stdout/stderr like docker). */
  detach: boolean;
  /** `[height, width]` of our terminal when the container gets a TTY. */
  consoleSize: [number, number];
}

/**
 * Build the create body exactly as the docker CLI does (field set, order and zero values), so
 * daemons see the same request from `berth` and from `docker`.
 */
export function buildCreateRequest(flags: ContainerFlags, ctx: CreateContext): CreateRequest {
  const { image, command } = ctx;
  const attach = new Set(flags.attach ?? []);
  let attachStdin = attach.has('stdin');
  let attachStdout = attach.has('stdout');
  let attachStderr = attach.has('stderr');
  if (attach.size === 0) {
    attachStdout = true;
    attachStderr = true;
    if (flags.interactive) attachStdin = true;
  }
  if (ctx.detach) {
    if (attach.size > 0) throw new StatusError(1, 'conflicting options: cannot specify both --attach and --detach\n');
    attachStdin = attachStdout = attachStderr = false;
  }

  const restartPolicy = parseRestartPolicy(flags.restart ?? '');
  if (flags.rm && restartPolicy.Name !== 'no' && restartPolicy.Name !== '') {
    throw new Error('conflicting options: cannot specify both --restart and --rm');
  }

  const env = [
    ...(flags.envFile ?? []).flatMap((file) => parseEnvFile(readInputFile(file), { env: ctx.env, fileName: file })),
    ...(flags.env ?? []).map((e) => resolveEnvFlag(e, ctx.env)),
  ];

  const labels: Record<string, string> = {};
  const labelLines = [...(flags.labelFile ?? []).flatMap((f) => readLines(readInputFile(f))), ...(flags.label ?? [])];
  for (const line of labelLines) {
    const eq = line.indexOf('=');
    if (eq === 0) throw new Error(`invalid label format: ${JSON.stringify(line)}`);
    if (eq < 0) labels[line] = '';
    else labels[line.slice(0, eq)] = line.slice(eq + 1);
  }

  const ports = parsePortSpecs(flags.publish ?? []);
  parseExposedPorts(flags.expose ?? [], ports.exposed);

  const volumes: Record<string, object> = {};
  const binds: string[] = [];
  for (const spec of flags.volume ?? []) {
    const parts = spec.split(':');
    if (spec === '' || parts.length > 3) throw new Error(`invalid volume specification: '${spec}'`);
    if (parts.length === 1) volumes[spec] = {};
    else binds.push(spec);
  }

  const tmpfs: Record<string, string> = {};
  for (const spec of flags.tmpfs ?? []) {
    const colon = spec.indexOf(':');
    tmpfs[colon < 0 ? spec : spec.slice(0, colon)] = colon < 0 ? '' : spec.slice(colon + 1);
  }

  const logConfig: Record<string, string> = {};
  for (const opt of flags.logOpt ?? []) {
    const eq = opt.indexOf('=');
    if (eq <= 0) throw new Error(`invalid key-value pair: ${opt}`);
    logConfig[opt.slice(0, eq)] = opt.slice(eq + 1);
  }

  let entrypoint: string[] | null = null;
  if (flags.entrypoint !== undefined) entrypoint = [flags.entrypoint];

  const networkMode = flags.network ?? flags.net ?? 'default';
  const endpoints: Record<string, EndpointSettingsBody> = {};
  if (networkMode === 'default') endpoints['default'] = emptyEndpoint();
  if (flags.networkAlias?.length || flags.ip) {
    endpoints[networkMode] = { ...emptyEndpoint(), Aliases: flags.networkAlias ?? null, IPAMConfig: flags.ip ? { IPv4Address: flags.ip } : null };
  }

  const stopSignal = flags.stopSignal;
  const healthcheck = parseHealthFlags(flags);
  const body: ContainerCreateBody = {
    Hostname: flags.hostname ?? '',
    Domainname: flags.domainname ?? '',
    User: flags.user ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(Object.keys(ports.exposed).length > 0 && { ExposedPorts: sortedKeys(ports.exposed) }),
    Tty: Boolean(flags.tty),
    OpenStdin: Boolean(flags.interactive),
    StdinOnce: attachStdin && !ctx.detach,
    Env: env.length > 0 ? env : null,
    Cmd: command.length > 0 ? command : null,
    Image: image,
    Volumes: sortedKeys(volumes),
    WorkingDir: flags.workdir ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: sortedKeys(labels),
    ...(healthcheck && { Healthcheck: healthcheck }),
    ...(stopSignal && { StopSignal: stopSignal }),
    ...(flags.stopTimeout !== undefined && { StopTimeout: flags.stopTimeout }),
    HostConfig: {
      Binds: binds.length > 0 ? binds : null,
      ContainerIDFile: '',
      LogConfig: { Type: flags.logDriver ?? '', Config: sortedKeys(logConfig) },
      NetworkMode: networkMode,
      PortBindings: sortedKeys(ports.bindings),
      RestartPolicy: restartPolicy,
      AutoRemove: Boolean(flags.rm),
      VolumeDriver: '',
      VolumesFrom: flags.volumesFrom ?? null,
      ConsoleSize: ctx.consoleSize,
      CapAdd: flags.capAdd ? flags.capAdd.map(normalizeCapability) : null,
      CapDrop: flags.capDrop ? flags.capDrop.map(normalizeCapability) : null,
      CgroupnsMode: flags.cgroupns ?? '',
      Dns: flags.dns ?? [],
      DnsOptions: flags.dnsOption ?? [],
      DnsSearch: flags.dnsSearch ?? [],
      ExtraHosts: flags.addHost ? flags.addHost.map((h) => h.replace('=', ':')) : null,
      GroupAdd: flags.groupAdd ?? null,
      IpcMode: flags.ipc ?? '',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: flags.pid ?? '',
      Privileged: Boolean(flags.privileged),
      PublishAllPorts: Boolean(flags.publishAll),
      ReadonlyRootfs: Boolean(flags.readOnly),
      SecurityOpt: flags.securityOpt ?? null,
      ...(Object.keys(tmpfs).length > 0 && { Tmpfs: sortedKeys(tmpfs) }),
      ...(flags.mount?.length && { Mounts: flags.mount }),
      UTSMode: flags.uts ?? '',
      UsernsMode: flags.userns ?? '',
      ShmSize: flags.shmSize ?? 0,
      ...(flags.runtime && { Runtime: flags.runtime }),
      Isolation: '',
      CpuShares: flags.cpuShares ?? 0,
      Memory: flags.memory ?? 0,
      NanoCpus: flags.cpus ?? 0,
      CgroupParent: '',
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: flags.cpusetCpus ?? '',
      CpusetMems: '',
      Devices: [],
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: flags.memoryReservation ?? 0,
      MemorySwap: flags.memorySwap ?? 0,
      MemorySwappiness: -1,
      OomKillDisable: Boolean(flags.oomKillDisable),
      PidsLimit: flags.pidsLimit ?? 0,
      Ulimits: (flags.ulimit ?? []).map(parseUlimit),
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      MaskedPaths: null,
      ReadonlyPaths: null,
      ...(flags.init && { Init: true }),
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  return { body, name: flags.name, platform: flags.platform };
}

/** Go marshals maps with sorted keys; copy so ours serialize in the same order. */
function sortedKeys<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]!]));
}

function emptyEndpoint(): EndpointSettingsBody {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/** `net_admin` → `CAP_NET_ADMIN`; `ALL` stays. */
function normalizeCapability(cap: string): string {
  const upper = cap.toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** `nofile=1024:2048` or `nproc=512` (soft = hard). */
function parseUlimit(spec: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) throw new Error(`invalid ulimit argument: ${spec}`);
  const soft = Number(m[2]);
  return { Name: m[1]!, Hard: m[3] === undefined ? soft : Number(m[3]), Soft: soft };
}

function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`open ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

function readLines(content: string): string[] {
  return content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
