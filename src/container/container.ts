import type { MountPoint, MountRequest } from '../volume/volume.js';

/**
 * A container as the daemon keeps it: what it was created with (the image defaults merged in,
 * as Docker stores it), how it is to run, and its state. Persisted as one record per container.
 */

export interface ContainerConfig {
  hostname: string;
  domainname: string;
  user: string;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  exposedPorts: string[];
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  /** The image as the user named it. */
  image: string;
  volumes: string[];
  workingDir: string;
  labels: Record<string, string>;
  stopSignal: string;
  stopTimeout: number | null;
  argsEscaped: boolean;
  onBuild: string[] | null;
  shell: string[] | null;
  healthcheck: HealthcheckConfig | null;
}

export interface HealthcheckConfig {
  test: string[];
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  retries: number;
}

export interface RestartPolicy {
  name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface HostConfig {
  autoRemove: boolean;
  /** 'none' | 'host' | 'default' | 'bridge' | a network name | 'container:<id>' */
  networkMode: string;
  runtime: string;
  restartPolicy: RestartPolicy;
  logConfig: { type: string; config: Record<string, string> };
  binds: string[];
  /** --mount (HostConfig.Mounts). */
  mounts: MountRequest[];
  privileged: boolean;
  readonlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  groupAdd: string[];
  init: boolean;
  memory: number;
  memorySwap: number;
  memoryReservation: number;
  memorySwappiness: number | null;
  oomKillDisable: boolean;
  nanoCpus: number;
  cpuShares: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  cpusetMems: string;
  pidsLimit: number | null;
  blkioWeight: number;
  ulimits: Ulimit[];
  sysctls: Record<string, string>;
  tmpfs: Record<string, string>;
  shmSize: number;
  consoleSize: [number, number] | null;
  dns: string[];
  dnsOptions: string[];
  dnsSearch: string[];
  extraHosts: string[];
  oomScoreAdj: number;
  cgroupParent: string;
  pidMode: string;
  ipcMode: string;
  utsMode: string;
  maskedPaths: string[] | null;
  readonlyPaths: string[] | null;
  portBindings: Record<string, { hostIp: string; hostPort: string }[]>;
  publishAllPorts: boolean;
  volumesFrom: string[];
  devices: { pathOnHost: string; pathInContainer: string; cgroupPermissions: string }[];
}

export type ContainerStatus = 'created' | 'restarting' | 'running' | 'removing' | 'paused' | 'exited' | 'dead';

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  /** RFC 3339 with nanoseconds, or Go's zero time when never. */
  startedAt: string;
  finishedAt: string;
  /** Set while the container has a healthcheck (Docker's State.Health). */
  health?: HealthState;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthProbeResult {
  /** RFC 3339 with nanoseconds. */
  start: string;
  end: string;
  /** -1: the probe could not run or exceeded its timeout. */
  exitCode: number;
  output: string;
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last five probes, oldest first. */
  log: HealthProbeResult[];
}

/** A container's settings on one network (Docker's EndpointSettings as given at create or connect). */
export interface EndpointConfig {
  aliases: string[];
  ipv4Address: string;
}

export interface ContainerRecord {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  created: string;
  /** Image id (config digest). */
  imageId: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** The program and its arguments, from entrypoint + cmd. */
  path: string;
  args: string[];
  state: ContainerState;
  /** The runtime driver that runs it. */
  runtime: string;
  restartCount: number;
  /** Set once the user asked for a stop (restart policies honour it). */
  manuallyStopped: boolean;
  /** Volumes, binds and --mount tmpfs, decided at create (absent in records made before volumes). */
  mountPoints?: MountPoint[];
  /**
   * The networks the container joins at each start, by name, in order (the first gets eth0 and
   * the default route). Empty for host and none. Absent in records older than networks.
   */
  networks?: Record<string, EndpointConfig>;
}

