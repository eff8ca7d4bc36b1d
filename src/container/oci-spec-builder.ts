import type { OciDeviceRule, OciMount, OciNamespace, OciProcess, OciResources, OciSpec } from '../oci/runtime-spec.js';
import { normalizeCapability } from './capabilities.js';
import type { ContainerRecord, HostConfig } from './container.js';
import type { EtcFiles } from './etc-files.js';
import { allHostDevices, mappedDevices } from './host-devices.js';
import { seccompProfile } from './seccomp-profile.js';
import type { ResolvedUser } from './user-lookup.js';

/** Docker's default capability set (run reference, "Runtime privilege and Linux capabilities"). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const DEFAULT_MASKED = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const DEFAULT_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's device cgroup: everything denied but the standard character devices. */
const DEFAULT_DEVICE_RULES: OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SpecInputs {
  record: ContainerRecord;
  user: ResolvedUser;
  /** Where the root filesystem is mounted (an empty directory on the host). */
  rootfs: string;
  etc: EtcFiles;
  /** Capabilities the host has (what --privileged gives). */
  hostCapabilities: string[];
  cgroupParent: string;
  /** The static init that --init mounts at /sbin/docker-init. */
  initBinary?: string;
  /** Volumes, binds and --mount tmpfs, parents first; they replace Docker's own mounts at their destinations. */
  mounts?: OciMount[];
  /** The network namespace made for the container (its bridge networks), joined by path. */
  netnsPath?: string;
}

function envName(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** The environment of the container's processes: Docker's PATH and HOSTNAME, the config's, TERM and HOME. */
export function processEnv(rec: ContainerRecord, home: string, extra: readonly string[] = []): string[] {
  const env = new Map<string, string>();
  env.set('PATH', DEFAULT_PATH);
  env.set('HOSTNAME', `HOSTNAME=${rec.config.hostname}`);
  for (const e of [...rec.config.env, ...extra]) env.set(envName(e), e.includes('=') ? e : `${e}=`);
  if (rec.config.tty && !env.has('TERM')) env.set('TERM', 'TERM=xterm');
  if (!env.has('HOME')) env.set('HOME', `HOME=${home}`);
  return [...env.values()];
}

function capabilities(h: HostConfig, host: string[]): string[] {
  if (h.privileged) return host;
  const drop = new Set(h.capDrop.map(normalizeCapability));
  let caps = drop.has('CAP_ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.has(c));
  for (const c of h.capAdd.map(normalizeCapability)) {
    if (c === 'CAP_ALL') caps = [...host];
    else if (!caps.includes(c)) caps.push(c);
  }
  return caps;
}

function namespaces(h: HostConfig, netnsPath: string | undefined): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'mount' }];
  if (netnsPath) ns.push({ type: 'network', path: netnsPath });
  else if (h.networkMode !== 'host') ns.push({ type: 'network' });
  if (h.utsMode !== 'host') ns.push({ type: 'uts' });
  if (h.pidMode !== 'host') ns.push({ type: 'pid' });
  if (h.ipcMode !== 'host') ns.push({ type: 'ipc' });
  return ns;
}

function mounts(rec: ContainerRecord, etc: EtcFiles): OciMount[] {
  const h = rec.hostConfig;
  const shm = h.shmSize > 0 ? h.shmSize : 64 * 1024 * 1024;
  const m: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', h.privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shm}`] },
  ];
  m.push(
    { destination: '/etc/resolv.conf', type: 'bind', source: etc.resolvConf, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: etc.hostname, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: etc.hosts, options: ['rbind', 'rprivate'] },
  );
  for (const [dest, opts] of Object.entries(h.tmpfs)) {
    m.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...opts.split(',').filter(Boolean)] });
  }
  return m;
}

/** The container's first process. */
export function initProcess(rec: ContainerRecord, user: ResolvedUser, hostCaps: string[]): OciProcess {
  const caps = capabilities(rec.hostConfig, hostCaps);
  const [rows, cols] = rec.hostConfig.consoleSize ?? [0, 0];
  const proc: OciProcess = {
    terminal: rec.config.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args: [rec.path, ...rec.args],
    env: processEnv(rec, user.home),
    cwd: rec.config.workingDir || '/',
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    noNewPrivileges: rec.hostConfig.securityOpt.some((o) => /^no-new-privileges(=true|:true)?$/.test(o)),
  };
  if (rows && cols) proc.consoleSize = { height: rows, width: cols };
  if (rec.hostConfig.oomScoreAdj) proc.oomScoreAdj = rec.hostConfig.oomScoreAdj;
  if (rec.hostConfig.ulimits.length) {
    proc.rlimits = rec.hostConfig.ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft, hard: u.hard }));
  }
  return proc;
}

/** The cgroup limits of a host config (all but devices), as a start and `docker update` set them. */
export function resourcesOf(h: HostConfig): Omit<OciResources, 'devices'> {
  const cpuPeriod = h.nanoCpus ? 100000 : h.cpuPeriod;
  const cpuQuota = h.nanoCpus ? Math.round((h.nanoCpus * 100000) / 1e9) : h.cpuQuota;
  return {
    memory: {
      ...(h.memory ? { limit: h.memory } : {}),
      ...(h.memorySwap ? { swap: h.memorySwap } : {}),
      ...(h.memoryReservation ? { reservation: h.memoryReservation } : {}),
      ...(h.memorySwappiness !== null && h.memorySwappiness >= 0 ? { swappiness: h.memorySwappiness } : {}),
      ...(h.oomKillDisable ? { disableOOMKiller: true } : {}),
    },
    cpu: {
      ...(h.cpuShares ? { shares: h.cpuShares } : {}),
      ...(cpuPeriod ? { period: cpuPeriod } : {}),
      ...(cpuQuota ? { quota: cpuQuota } : {}),
      ...(h.cpusetCpus ? { cpus: h.cpusetCpus } : {}),
      ...(h.cpusetMems ? { mems: h.cpusetMems } : {}),
    },
    ...(h.pidsLimit ? { pids: { limit: h.pidsLimit } } : {}),
    ...(h.blkioWeight ? { blockIO: { weight: h.blkioWeight } } : {}),
  };
}

/** Builds the OCI config of a container the way dockerd does (its defaults, then the host config). */
export function buildSpec(i: SpecInputs): OciSpec {
  const rec = i.record;
  const h = rec.hostConfig;
  const process = initProcess(rec, i.user, i.hostCapabilities);
  const userMounts = i.mounts ?? [];
  const taken = new Set(userMounts.map((m) => m.destination));
  // As moby: a user's /dev takes Docker's /dev/pts, /dev/shm and /dev/mqueue with it.
  const overridden = (d: string) => taken.has(d) || (taken.has('/dev') && d.startsWith('/dev/'));
  const allMounts = [...mounts(rec, i.etc).filter((m) => !overridden(m.destination)), ...userMounts];
  if (h.init && i.initBinary) {
    // Docker's --init: its init as pid 1, the program as its child.
    allMounts.push({ destination: '/sbin/docker-init', type: 'bind', source: i.initBinary, options: ['rbind', 'ro'] });
    process.args = ['/sbin/docker-init', '--', ...(process.args ?? [])];
  }
  // Docker's rule: the profile's capability-gated calls follow the bounding set.
  const seccomp = seccompProfile({ securityOpt: h.securityOpt, privileged: h.privileged, bounding: process.capabilities?.bounding ?? [] });
  const mapped = mappedDevices(h.devices);
  const devices = h.privileged ? allHostDevices() : mapped.devices;
  return {
    ociVersion: '1.2.0',
    process,
    root: { path: i.rootfs, readonly: h.readonlyRootfs },
    hostname: rec.config.hostname,
    ...(rec.config.domainname ? { domainname: rec.config.domainname } : {}),
    mounts: allMounts,
    linux: {
      namespaces: namespaces(h, i.netnsPath),
      ...(devices.length ? { devices } : {}),
      cgroupsPath: `${i.cgroupParent}/${rec.id}`,
      resources: {
        devices: h.privileged ? [{ allow: true, access: 'rwm' }] : [...DEFAULT_DEVICE_RULES, ...mapped.rules],
        ...resourcesOf(h),
      },
      maskedPaths: h.privileged ? [] : (h.maskedPaths ?? DEFAULT_MASKED),
      readonlyPaths: h.privileged ? [] : (h.readonlyPaths ?? DEFAULT_READONLY),
      sysctl: h.sysctls,
      ...(seccomp ? { seccomp } : {}),
    },
  };
}
