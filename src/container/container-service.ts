import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomId } from '../common/digest.js';
import { Conflict, Forbidden, InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import { setLongTimeout } from '../common/long-timeout.js';
import { nowRfc3339Nano, rfc3339NanoFromMs, ZERO_TIME } from '../common/time.js';
import type { Image } from '../image/image.js';
import { applyResources, cgroupPids, setFrozen, wasOomKilled, type CgroupLayout } from '../runtime/cgroups.js';
import { networkStats, readCgroupStats, systemCpuUsage, type CgroupStats } from '../runtime/cgroup-stats.js';
import { exitCodeOf, readExitFile, ShimStartError, type AttachStream, type Shim, type ShimExit } from '../runtime/shim.js';
import { describeFailure, isProgramError, programExitCode } from '../runtime/spawn-failure.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import type { ContainerNetworking, NetworkService } from '../network/network-service.js';
import { checkCapabilities } from './capabilities.js';
import type { ContainerConfig, ContainerRecord, ContainerStatus, EndpointConfig, HostConfig } from './container.js';
import type { ContainerStore } from './container-store.js';
import { alreadyPaused, alreadyStarted, alreadyStopped, cannotKill, cannotRemoveRunning, cannotStartPaused, notPaused, notRunning } from './errors.js';
import { etcFilePaths, writeEtcFiles, writeHostsFile } from './etc-files.js';
import { generateName } from './name-generator.js';
import { buildSpec, resourcesOf } from './oci-spec-builder.js';
import { parseSignal, SIGKILL, SIGTERM } from './signals.js';
import type { Task, TaskSupervisor } from './task-supervisor.js';
import { resolveUser } from './user-lookup.js';
import { RestartScheduler, shouldRestart } from './restart-policy.js';
import { mergeHealthcheck } from './healthcheck-config.js';
import { logSettings, mergeLogConfig, type LogConfig, type LogSettings } from './log-config.js';
import type { LifecycleListener } from './health-monitor.js';

/** The attributes of a container's events, as dockerd sets them. */
export function containerEventAttributes(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...rec.config.labels, image: rec.config.image, name: rec.name, ...extra };
}
import type { VolumeStore } from '../volume/volume-store.js';
import { copyImageContent, isEmptyDir } from '../volume/copy-image-content.js';
import { createMountPoints, makeBindSource, mayHaveImagePath, ociMountsOf, releaseMountPoints } from './container-mounts.js';
import { layerDirsOf, mountRootfsView, type RootfsView } from './rootfs-view.js';
import type { Mount } from '../snapshot/mount.js';
import { KeyedLock } from '../common/keyed-lock.js';

/** What the container layer needs of images. */
export interface ImageLookup {
  /** Throws NotFound with Docker's text when there is no such image. */
  resolve(ref: string): Image;
}

export interface CreateOptions {
  name: string;
  config: Partial<ContainerConfig> & { image: string };
  hostConfig: Partial<HostConfig>;
  /** NetworkingConfig.EndpointsConfig: network name → the endpoint's settings. */
  endpoints?: Record<string, EndpointConfig>;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** What docker update may change. */
export interface ResourceUpdate {
  memory?: number;
  memorySwap?: number;
  memoryReservation?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  nanoCpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number | null;
  blkioWeight?: number;
  restartPolicy?: HostConfig['restartPolicy'];
}

export interface ContainerServiceOptions {
  store: ContainerStore;
  images: ImageLookup;
  snapshots: Snapshotter;
  supervisor: TaskSupervisor;
  cgroups: CgroupLayout;
  events: EventSink;
  log: Logger;
  defaultRuntime: string;
  cgroupParent: string;
  hostCapabilities: string[];
  hostHostname: string;
  networks: NetworkService;
  /** The static init of --init. */
  initBinary?: string;
  /** The daemon's log-driver and log-opts. */
  logDefaults?: LogConfig;
  volumes: VolumeStore;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (r: { statusCode: number; error?: string }) => void;
}

const DEFAULT_STOP_TIMEOUT = 10;

/** Docker's defaults for what a create request leaves out. */
function defaultHostConfig(h: Partial<HostConfig>, runtime: string): HostConfig {
  return {
    autoRemove: false, networkMode: 'default', runtime, restartPolicy: { name: 'no', maximumRetryCount: 0 },
    logConfig: { type: 'json-file', config: {} }, binds: [], mounts: [], privileged: false, readonlyRootfs: false, capAdd: [],
    capDrop: [], securityOpt: [], groupAdd: [], init: false, memory: 0, memorySwap: 0, memoryReservation: 0,
    memorySwappiness: null, oomKillDisable: false, nanoCpus: 0, cpuShares: 0, cpuPeriod: 0, cpuQuota: 0,
    cpusetCpus: '', cpusetMems: '', pidsLimit: null, blkioWeight: 0, ulimits: [], sysctls: {}, tmpfs: {}, shmSize: 67108864,
    consoleSize: null, dns: [], dnsOptions: [], dnsSearch: [], extraHosts: [], oomScoreAdj: 0, cgroupParent: '',
    pidMode: '', ipcMode: 'private', utsMode: '', maskedPaths: null, readonlyPaths: null, portBindings: {},
    publishAllPorts: false, volumesFrom: [], devices: [],
    ...Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)),
  } as HostConfig;
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** The image's config under the request's, as dockerd merges them at create. */
function mergeConfig(c: CreateOptions['config'], image: Image, id: string, hostHostname: string, hostNetwork: boolean): ContainerConfig {
  const ic = image.config.config ?? {};
  const env = new Map<string, string>();
  for (const e of [...(ic.Env ?? []), ...(c.env ?? [])]) env.set(envKey(e), e);
  const userEntrypoint = c.entrypoint !== undefined && c.entrypoint !== null;
  const entrypoint = userEntrypoint ? c.entrypoint! : (ic.Entrypoint ?? null);
  // A user's entrypoint drops the image's cmd (Docker's rule); a user's cmd replaces the image's.
  const cmd = c.cmd && c.cmd.length ? c.cmd : userEntrypoint ? null : (ic.Cmd ?? null);
  const keys = (r: Record<string, unknown> | null | undefined) => Object.keys(r ?? {});
  return {
    hostname: c.hostname || (hostNetwork ? hostHostname : id.slice(0, 12)),
    domainname: c.domainname ?? '',
    user: c.user || ic.User || '',
    attachStdin: c.attachStdin ?? false,
    attachStdout: c.attachStdout ?? false,
    attachStderr: c.attachStderr ?? false,
    exposedPorts: [...new Set([...keys(ic.ExposedPorts), ...(c.exposedPorts ?? [])])],
    tty: c.tty ?? false,
    openStdin: c.openStdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    env: [...env.values()],
    cmd,
    entrypoint: entrypoint && entrypoint.length ? entrypoint : null,
    image: c.image,
    volumes: [...new Set([...keys(ic.Volumes), ...(c.volumes ?? [])])],
    workingDir: c.workingDir || ic.WorkingDir || '',
    labels: { ...(ic.Labels ?? {}), ...(c.labels ?? {}) },
    stopSignal: c.stopSignal || ic.StopSignal || '',
    stopTimeout: c.stopTimeout ?? null,
    argsEscaped: c.argsEscaped ?? false,
    onBuild: c.onBuild ?? ic.OnBuild ?? null,
    shell: c.shell ?? ic.Shell ?? null,
    healthcheck: mergeHealthcheck(c.healthcheck, ic.Healthcheck),
  };
}

function isRunningStatus(s: ContainerStatus): boolean {
  return s === 'running' || s === 'paused' || s === 'restarting';
}

/**
 * Containers: create, run, stop and remove them, and what happens when their process exits.
 * The records are the truth about configuration; the shims are the truth about processes.
 */
export class ContainerService {
  private waiters = new Map<string, Waiter[]>();
  private pendingAttach = new Map<string, AttachStream[]>();
  /** Containers whose start is in progress (a second start must not race it). */
  private starting = new Set<string>();
  /**
   * Held by a start (from before its root is mounted until its process runs) and by a copy into
   * the container's files: a start issued during an upload waits for it and sees its files, and
   * an upload issued during a start waits and then writes into the running container (as moby's
   * container lock does).
   */
  private rootfsLock = new KeyedLock();
  /** Per running container: the handling of its exit, once it has begun. */
  private exits = new Map<string, Promise<void>>();
  /** Pending restarts of the restart policies, and their back-off. */
  private restarts = new RestartScheduler();
  /** Restarts by policy under way (a stop waits for one, then stops what it started). */
  private policyStarts = new Map<string, Promise<void>>();
  /** Containers a stop or kill is ending: their policy does not start them again (moby's ExitOnNext). */
  private exitOnNext = new Set<string>();
  private listeners: LifecycleListener[] = [];

  constructor(private readonly o: ContainerServiceOptions) {}

  /** Adds a listener for starts and exits of containers' first processes (healthchecks). */
  addLifecycleListener(l: LifecycleListener): void {
    this.listeners.push(l);
  }

  get store(): ContainerStore {
    return this.o.store;
  }

  resolve(ref: string): ContainerRecord {
    return this.o.store.resolve(ref);
  }

  task(id: string): Task | undefined {
    return this.o.supervisor.get(id);
  }

  logPath(id: string): string {
    return join(this.o.store.dir(id), `${id}-json.log`);
  }

  /** Where the shim writes the container's output, and how it rotates it. */
  private logOutput(rec: ContainerRecord): { logPath?: string; logRotation?: LogSettings['rotation'] } {
    const s = logSettings(rec.hostConfig.logConfig);
    return s.driver === 'none' ? {} : { logPath: this.logPath(rec.id), logRotation: s.rotation };
  }

  private exitPath(id: string): string {
    return join(this.o.store.dir(id), 'exit-status');
  }

  /** Publishes a container event in dockerd's shape: the labels, image and name, then `extra`. */
  event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.o.events.publish({ type: 'container', action, id: rec.id, attributes: containerEventAttributes(rec, extra) });
  }

  async create(opts: CreateOptions): Promise<{ id: string; warnings: string[] }> {
    checkCapabilities(opts.hostConfig);
    const image = this.o.images.resolve(opts.config.image);
    const id = randomId();
    const runtime = opts.hostConfig.runtime || this.o.defaultRuntime;
    this.o.supervisor.driver(runtime); // an unknown runtime fails the create, as in Docker
    const hostConfig = defaultHostConfig(opts.hostConfig, runtime);
    hostConfig.logConfig = mergeLogConfig(hostConfig.logConfig, this.o.logDefaults ?? { type: 'json-file', config: {} });
    logSettings(hostConfig.logConfig);
    const net = hostConfig.networkMode;
    const networks = this.networksAtCreate(net, opts.endpoints ?? {});
    const config = mergeConfig(opts.config, image, id, this.o.hostHostname, net === 'host');
    const argv = [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
    if (argv.length === 0) throw new InvalidArgument('no command specified');
    const name = opts.name ? opts.name.replace(/^\//, '') : generateName((n) => this.o.store.hasName(n));
    this.o.store.reserveName(name, id);
    const rec: ContainerRecord = {
      id,
      name,
      created: nowRfc3339Nano(),
      imageId: image.id,
      config,
      hostConfig,
      path: argv[0]!,
      args: argv.slice(1),
      state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME },
      runtime,
      restartCount: 0,
      manuallyStopped: false,
      networks,
    };
    const dir = this.o.store.dir(id);
    try {
      rec.mountPoints = await createMountPoints({
        id, config, hostConfig, volumes: this.o.volumes, resolveContainer: (ref) => this.o.store.resolve(ref),
      });
      await mkdir(dir, { mode: 0o710 });
      await Promise.all([
        this.o.snapshots.prepare(id, image.chainId),
        writeEtcFiles(dir, {
          hostname: config.hostname,
          hostNetwork: net === 'host',
          extraHosts: hostConfig.extraHosts,
          dns: hostConfig.dns,
          dnsSearch: hostConfig.dnsSearch,
          dnsOptions: hostConfig.dnsOptions,
          embeddedDns: this.embeddedDns(networks),
        }),
      ]);
      await this.o.store.insert(rec);
    } catch (err) {
      this.o.store.releaseName(name, id);
      await releaseMountPoints(this.o.volumes, rec, true).catch(() => {});
      await this.o.snapshots.remove(id).catch(() => {});
      if (this.o.store.find(id)) await this.o.store.delete(rec).catch(() => {});
      else await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    this.event(rec, 'create');
    return { id, warnings: [] };
  }

  /** The networks a network mode names, with their endpoint settings; none for host and none. */
  private networksAtCreate(mode: string, endpoints: Record<string, EndpointConfig>): Record<string, EndpointConfig> {
    if (mode === 'host' || mode === 'none') return {};
    if (mode.startsWith('container:')) throw new NotFound(`network ${mode} not found`);
    const n = this.o.networks.resolve(mode === 'default' ? 'bridge' : mode);
    if (n.driver === 'host' || n.driver === 'null') return {};
    const e = endpoints[mode] ?? endpoints[n.name] ?? endpoints[n.id] ?? { aliases: [], ipv4Address: '' };
    if (n.isDefault && e.aliases.length) throw new InvalidArgument('network-scoped alias is supported only for containers in user defined networks');
    return { [n.name]: { aliases: e.aliases, ipv4Address: e.ipv4Address } };
  }

  /** The address of the DNS server that answers names on the container's first user network. */
  private embeddedDns(networks: Record<string, EndpointConfig>): string {
    const first = Object.keys(networks)[0];
    const n = first ? this.o.networks.find(first) : undefined;
    return n && !n.isDefault && n.driver === 'bridge' ? n.gateway : '';
  }

  private networking(rec: ContainerRecord): ContainerNetworking | undefined {
    const networks = rec.networks ?? {};
    if (!Object.keys(networks).length) return undefined;
    return {
      id: rec.id, name: rec.name, hostname: rec.config.hostname, networks, portBindings: rec.hostConfig.portBindings,
      publishAllPorts: rec.hostConfig.publishAllPorts, exposedPorts: rec.config.exposedPorts,
    };
  }

  /** docker network connect: joins now if running, and at every start. */
  async connect(netRef: string, ref: string, cfg: EndpointConfig): Promise<void> {
    const rec = this.resolve(ref);
    const n = this.o.networks.resolve(netRef);
    const mode = rec.hostConfig.networkMode;
    if (mode === 'host' || mode === 'none' || n.driver !== 'bridge') {
      throw new InvalidArgument('container cannot be disconnected from host network or connected to host network');
    }
    const networks = rec.networks ?? {};
    if (networks[n.name]) throw new Forbidden(`endpoint with name ${rec.name} already exists in network ${n.name}`);
    if (n.isDefault && cfg.aliases.length) throw new InvalidArgument('network-scoped alias is supported only for containers in user defined networks');
    const c = this.networking({ ...rec, networks: { ...networks, [n.name]: cfg } })!;
    if (isRunningStatus(rec.state.status)) await this.o.networks.connect(n.id, c, cfg);
    rec.networks = { ...networks, [n.name]: cfg };
    await this.o.store.save(rec);
  }

  /** docker network disconnect. */
  async disconnect(netRef: string, ref: string): Promise<void> {
    const rec = this.resolve(ref);
    const n = this.o.networks.resolve(netRef);
    const networks = { ...(rec.networks ?? {}) };
    if (!networks[n.name]) throw new Forbidden(`container ${rec.id} is not connected to network ${n.name}`);
    delete networks[n.name];
    if (isRunningStatus(rec.state.status)) await this.o.networks.disconnect(n.id, rec.id);
    rec.networks = networks;
    await this.o.store.save(rec);
  }

  /**
   * Runs `fn` (a copy into the container's files) while no start of the container is under way;
   * the record's state read inside `fn` stays what it is until `fn` is done, except for an exit.
   */
  withRootfsLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.rootfsLock.run(id, fn);
  }

  /** Starts the container's process, handing it the clients that attached before the start. */
  async start(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    const st = rec.state.status;
    if (st === 'paused') throw cannotStartPaused();
    if (isRunningStatus(st) || this.starting.has(rec.id)) throw alreadyStarted();
    if (st === 'removing' || st === 'dead') throw new Conflict(`container ${rec.id} is marked for removal and cannot be started`);
    this.starting.add(rec.id);
    // A start by the user: the policy's count and back-off start over (as moby's resetRestartManager).
    rec.restartCount = 0;
    rec.manuallyStopped = false;
    this.restarts.reset(rec.id);
    const attach = this.pendingAttach.get(rec.id) ?? [];
    this.pendingAttach.delete(rec.id);
    try {
      await this.rootfsLock.run(rec.id, () => {
        // Removed while this start waited for a copy into its files.
        if (rec.state.status === 'removing' || !this.o.store.find(rec.id)) throw new Conflict(`container ${rec.id} is marked for removal and cannot be started`);
        return this.startTask(rec, attach);
      });
    } catch (err) {
      for (const a of attach) a.socket.destroy();
      throw err;
    } finally {
      this.starting.delete(rec.id);
    }
  }

  private async startTask(rec: ContainerRecord, attach: AttachStream[]): Promise<void> {
    const sup = this.o.supervisor;
    let task: Task;
    let sandbox: { netnsPath: string; published: Promise<void> } | undefined;
    let startedAt = '';
    const c = this.networking(rec);
    // The network is made while the root filesystem is looked at: they do not depend on each other.
    const attaching = c ? this.o.networks.attach(c) : Promise.resolve(undefined);
    attaching.catch(() => {}); // awaited below on every path
    try {
      let rootfsMount, user;
      try {
        const mounts = await this.o.snapshots.mounts(rec.id);
        rootfsMount = mounts[0];
        if (!rootfsMount) throw new NotFound(`the root filesystem of container ${rec.id} is gone`);
        user = await resolveUser(rec.config.user, layerDirsOf(rootfsMount.options), rec.hostConfig.groupAdd);
        await this.mountVolumes(rec, rootfsMount);
      } finally {
        await attaching.catch(() => {});
      }
      sandbox = await attaching;
      if (sandbox) await this.writeHosts(rec);
      const spec = buildSpec({
        record: rec,
        mounts: ociMountsOf(rec.mountPoints ?? []),
        user,
        rootfs: sup.rootfsDir(rec.id),
        etc: etcFilePaths(this.o.store.dir(rec.id)),
        hostCapabilities: this.o.hostCapabilities,
        cgroupParent: rec.hostConfig.cgroupParent || this.o.cgroupParent,
        ...(this.o.initBinary ? { initBinary: this.o.initBinary } : {}),
        ...(sandbox ? { netnsPath: sandbox.netnsPath } : {}),
      });
      // Taken before the process exists: a process that exits at once (faster now that its network
      // namespace is made ahead) must not be recorded as finished before it started.
      startedAt = nowRfc3339Nano();
      task = await sup.start({
        id: rec.id,
        spec,
        rootfsMount,
        runtime: rec.runtime,
        ...this.logOutput(rec),
        exitPath: this.exitPath(rec.id),
        openStdin: rec.config.openStdin,
        stdinOnce: rec.config.stdinOnce,
        attach,
      });
    } catch (err) {
      throw await this.startFailed(rec, err);
    }
    rec.state = {
      status: 'running', pid: task.shim.pid, exitCode: 0, error: '', oomKilled: false,
      startedAt, finishedAt: rec.state.finishedAt,
    };
    for (const l of this.listeners) l.started(rec, { adopted: false });
    // Before any await: the exit (and its 'die') may follow at once.
    this.event(rec, 'start');
    this.watchExit(rec.id, task.shim);
    if (sandbox) {
      await sandbox.published.catch((err: unknown) => {
        task.shim.kill(SIGKILL);
        throw new Error(`publishing the ports of container ${rec.id}: ${messageOf(err)}`, { cause: err });
      });
    }
    // Answered without waiting for the disk: after a crash before this write lands, restore()
    // finds the running shim of a record that says "created" and adopts it.
    void this.o.store.save(rec).catch((err) => this.o.log.error('recording a start failed', { id: rec.id, error: err }));
  }

  /** /etc/hosts with the container's addresses on its networks, as Docker writes it at start. */
  private writeHosts(rec: ContainerRecord): Promise<void> {
    const names = [rec.config.hostname + (rec.config.domainname ? `.${rec.config.domainname}` : '')];
    return writeHostsFile(this.o.store.dir(rec.id), {
      extraHosts: rec.hostConfig.extraHosts,
      own: this.o.networks.endpointsOf(rec.id).map((a) => ({ ip: a.endpoint.ip, names })),
    });
  }

  /**
   * A start that failed leaves the container as Docker does: the error and an exit code recorded
   * (127/126 when the program could not run), and removed if it was to be removed at its exit.
   */
  private async startFailed(rec: ContainerRecord, err: unknown): Promise<Error> {
    const sup = this.o.supervisor;
    let result: Error;
    if (err instanceof ShimStartError) {
      const f = err.failure;
      const detail = (await sup.driver(rec.runtime).failureDetail({ stateDir: sup.stateDir(rec.id) })) ?? describeFailure(f);
      const message = `failed to create task for container: failed to create shim task: OCI runtime create failed: ${rec.runtime} create failed: unable to start container process: ${detail}: unknown`;
      rec.state.exitCode = isProgramError(f) ? programExitCode(f) : 128;
      result = isProgramError(f) ? new InvalidArgument(message) : new Error(message);
    } else {
      rec.state.exitCode = 128;
      result = err instanceof Error ? err : new Error(String(err));
    }
    rec.state.error = result.message;
    await Promise.all([sup.release(rec.id, rec.runtime).catch(() => {}), this.o.networks.detach(rec.id).catch(() => {})]);
    await this.unmountVolumes(rec);
    this.event(rec, 'die', { exitCode: String(rec.state.exitCode) });
    // As in moby: a container that was to be removed at its exit is removed when it cannot start.
    if (rec.hostConfig.autoRemove) await this.removeStopped(rec).catch(() => {});
    else await this.o.store.save(rec);
    return result;
  }

  /**
   * Handles the exit once the shim reports it. The promise, not the event: an exit may have been
   * reported in the same read as the start. Whoever waits for the exit awaits this handling.
   */
  private watchExit(id: string, shim: Shim): void {
    const done = shim
      .exited()
      .then((e) => this.onExit(id, e))
      .catch((err) => this.o.log.error('handling a container exit failed', { id, error: err }))
      .finally(() => this.exits.delete(id));
    this.exits.set(id, done);
  }

  /** What happens when a container's process has exited, whoever noticed first. */
  private async onExit(id: string, e: ShimExit): Promise<void> {
    const rec = this.o.store.find(id);
    if (!rec || !isRunningStatus(rec.state.status)) return;
    const code = exitCodeOf(e.status);
    const oom = wasOomKilled(e.oom);
    const ranMs = e.finishedAt.getTime() - Date.parse(rec.state.startedAt);
    for (const l of this.listeners) l.stopped(rec);
    const restart = !this.exitOnNext.delete(id) && !rec.hostConfig.autoRemove &&
      shouldRestart(rec.hostConfig.restartPolicy, { exitCode: code, restartCount: rec.restartCount, manuallyStopped: rec.manuallyStopped });
    rec.state = {
      ...rec.state,
      status: restart ? 'restarting' : 'exited', pid: 0, exitCode: code, oomKilled: oom,
      finishedAt: rfc3339NanoFromMs(e.finishedAt.getTime()),
    };
    await Promise.all([
      this.o.supervisor.release(id, rec.runtime).catch((err) => this.o.log.warn('runtime cleanup failed', { id, error: err })),
      this.o.networks.detach(id).catch((err) => this.o.log.warn('network cleanup failed', { id, error: err })),
    ]);
    await this.unmountVolumes(rec);
    if (oom) this.event(rec, 'oom');
    this.event(rec, 'die', { exitCode: String(code) });
    this.wake(id, ['not-running', 'next-exit'], code);
    if (restart) {
      rec.restartCount++;
      this.restarts.schedule(id, ranMs, () => void this.restartByPolicy(id));
      await this.o.store.save(rec);
      return;
    }
    if (rec.hostConfig.autoRemove) {
      await this.removeStopped(rec).catch((err) => this.o.log.error('auto-remove failed', { id, error: err }));
      return;
    }
    await this.o.store.save(rec);
  }

  /** The restart a policy scheduled, once its back-off has passed. */
  private async restartByPolicy(id: string): Promise<void> {
    const rec = this.o.store.find(id);
    if (!rec || rec.state.status !== 'restarting' || this.starting.has(id)) return;
    this.starting.add(id);
    const started = this.rootfsLock.run(id, () => this.startTask(rec, [])).catch(async (err: unknown) => {
      // As moby: a restart that cannot start leaves the container stopped, with the error.
      rec.state.status = 'exited';
      await this.o.store.save(rec).catch(() => {});
      this.o.log.warn('restart by policy failed', { id, error: messageOf(err) });
    }).finally(() => {
      this.starting.delete(id);
      this.policyStarts.delete(id);
    });
    this.policyStarts.set(id, started);
    await started;
  }

  /** A stop or kill of a container waiting for its policy's restart: the restart is called off. */
  private async cancelRestart(rec: ContainerRecord): Promise<void> {
    this.restarts.cancel(rec.id);
    rec.manuallyStopped = true;
    rec.state.status = 'exited';
    await this.o.store.save(rec);
    this.wake(rec.id, ['not-running', 'next-exit'], rec.state.exitCode);
  }

  private wake(id: string, conditions: WaitCondition[], statusCode: number): void {
    const list = this.waiters.get(id);
    if (!list) return;
    const keep = list.filter((w) => {
      if (!conditions.includes(w.condition)) return true;
      w.resolve({ statusCode });
      return false;
    });
    if (keep.length) this.waiters.set(id, keep);
    else this.waiters.delete(id);
  }

  /** Resolves when the condition holds: Docker's POST /containers/{id}/wait. */
  wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<{ statusCode: number; error?: string }> {
    const rec = this.resolve(ref);
    if (condition === 'not-running' && !isRunningStatus(rec.state.status) && !this.starting.has(rec.id)) {
      return Promise.resolve({ statusCode: rec.state.exitCode });
    }
    return new Promise((resolve) => {
      const w: Waiter = { condition, resolve };
      const list = this.waiters.get(rec.id) ?? [];
      list.push(w);
      this.waiters.set(rec.id, list);
      signal?.addEventListener('abort', () => {
        const l = this.waiters.get(rec.id);
        if (l) this.waiters.set(rec.id, l.filter((x) => x !== w));
      });
    });
  }

  /** Sends a signal; with SIGKILL, also waits until the process is gone. */
  async kill(ref: string, signal = 'KILL'): Promise<void> {
    const rec = this.resolve(ref);
    const sig = parseSignal(signal);
    await this.policyStarts.get(rec.id);
    const task = this.task(rec.id);
    if (rec.state.status === 'restarting' && !task) {
      this.event(rec, 'kill', { signal: String(sig) });
      return this.cancelRestart(rec);
    }
    if (!task || !isRunningStatus(rec.state.status)) throw cannotKill(rec.id);
    this.event(rec, 'kill', { signal: String(sig) });
    // As moby: a kill marks the container stopped by hand; SIGKILL or its stop signal also
    // keeps an `always` policy from starting it again.
    rec.manuallyStopped = true;
    if (sig === SIGKILL || sig === parseSignal(rec.config.stopSignal || String(SIGTERM))) this.exitOnNext.add(rec.id);
    void this.o.store.save(rec).catch(() => {});
    await this.signal(rec, task, sig);
    if (sig === SIGKILL) await this.settled(rec.id);
  }

  private async signal(rec: ContainerRecord, task: Task, sig: number): Promise<void> {
    task.shim.kill(sig);
    // A frozen process gets its signal when it thaws: stopping a paused container thaws it.
    if (rec.state.status === 'paused') {
      await setFrozen(task.cgroups, this.o.cgroups, false);
      rec.state.status = 'running';
    }
  }

  /** Docker's stop: the stop signal, then SIGKILL after the timeout (seconds; -1 waits forever). */
  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = this.resolve(ref);
    // A restart by policy under way finishes first; what it started is then stopped.
    await this.policyStarts.get(rec.id);
    const task = this.task(rec.id);
    if (rec.state.status === 'restarting' && !task) {
      await this.cancelRestart(rec);
      this.event(rec, 'stop');
      return;
    }
    if (!task || !isRunningStatus(rec.state.status)) throw alreadyStopped();
    rec.manuallyStopped = true;
    this.exitOnNext.add(rec.id);
    // Kept before the exit: unless-stopped must hold across a daemon killed meanwhile.
    void this.o.store.save(rec).catch(() => {});
    const sig = parseSignal(opts.signal || rec.config.stopSignal || String(SIGTERM));
    const timeout = opts.timeout ?? rec.config.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
    this.event(rec, 'kill', { signal: String(sig) });
    await this.signal(rec, task, sig);
    const exited = this.exits.get(rec.id) ?? task.shim.exited();
    if (timeout >= 0) {
      let cancel = () => {};
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => (cancel = setLongTimeout(() => r(true), timeout * 1000))),
      ]);
      cancel();
      if (timedOut) {
        this.event(rec, 'kill', { signal: String(SIGKILL) });
        task.shim.kill(SIGKILL);
      }
    }
    await exited;
    await this.settled(rec.id);
    this.event(rec, 'stop');
  }

  /** Waits until the exit has been recorded (and the container removed, if it was to be). */
  private async settled(id: string): Promise<void> {
    await this.exits.get(id);
  }

  async restart(ref: string, timeout?: number): Promise<void> {
    const rec = this.resolve(ref);
    if (isRunningStatus(rec.state.status)) await this.stop(rec.id, timeout === undefined ? {} : { timeout });
    rec.manuallyStopped = false;
    await this.start(rec.id);
    this.event(rec, 'restart');
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.resolve(ref);
    await this.policyStarts.get(rec.id);
    if (isRunningStatus(rec.state.status) || this.starting.has(rec.id)) await this.killForRemoval(rec, opts.force);
    // Not under a copy into its files: the copy's private mount of its root would lose its files
    // to the removal half-way. A start that ran while this waited is undone the same way; one
    // still waiting finds the container removed.
    await this.rootfsLock.run(rec.id, async () => {
      if (isRunningStatus(rec.state.status)) await this.killForRemoval(rec, opts.force);
      if (rec.state.status === 'removing') throw new Conflict(`removal of container ${rec.id} is already in progress`);
      await this.removeStopped(rec, opts.volumes ?? false);
    });
  }

  private async killForRemoval(rec: ContainerRecord, force: boolean | undefined): Promise<void> {
    if (!force) throw cannotRemoveRunning(rec.name);
    const task = this.task(rec.id);
    if (!task) return;
    rec.hostConfig.autoRemove = false; // this remove does it
    await this.signal(rec, task, SIGKILL);
    await this.settled(rec.id);
  }

  /** Removes a container that is not running; with `volumes`, its anonymous volumes too (rm -v, --rm). */
  private async removeStopped(rec: ContainerRecord, volumes = rec.hostConfig.autoRemove): Promise<void> {
    this.restarts.reset(rec.id);
    this.exitOnNext.delete(rec.id);
    rec.state.status = 'removing';
    for (const a of this.pendingAttach.get(rec.id) ?? []) a.socket.destroy();
    this.pendingAttach.delete(rec.id);
    // The record goes first: what a crash leaves after it is found by restore() and removed.
    await this.o.store.delete(rec);
    await this.o.supervisor.removeState(rec.id);
    await this.o.snapshots.remove(rec.id);
    this.event(rec, 'destroy');
    await releaseMountPoints(this.o.volumes, rec, volumes).catch((err) => this.o.log.warn('removing the volumes of a container failed', { id: rec.id, error: messageOf(err) }));
    this.wake(rec.id, ['not-running', 'next-exit', 'removed'], rec.state.exitCode);
  }

  /** Queues a client stream for the next start, or hands it to the running process's shim. */
  async attach(ref: string, stream: AttachStream): Promise<void> {
    const rec = this.resolve(ref);
    if (rec.state.status === 'paused') throw new Conflict(`container ${rec.id} is paused, unpause the container before attach`);
    const a: AttachStream = { ...stream, stdin: stream.stdin && rec.config.openStdin, multiplexed: !rec.config.tty };
    const task = this.task(rec.id);
    this.event(rec, 'attach');
    if (task && rec.state.status === 'running') {
      await this.o.supervisor.attach(task, a);
      return;
    }
    const list = this.pendingAttach.get(rec.id) ?? [];
    list.push(a);
    this.pendingAttach.set(rec.id, list);
    a.socket.once('close', () => {
      const l = this.pendingAttach.get(rec.id);
      if (l) this.pendingAttach.set(rec.id, l.filter((x) => x !== a));
    });
  }

  resize(ref: string, rows: number, cols: number): void {
    const rec = this.resolve(ref);
    const task = this.task(rec.id);
    if (!task || !isRunningStatus(rec.state.status)) throw notRunning(rec.id);
    task.shim.resize(rows, cols);
    this.event(rec, 'resize', { height: String(rows), width: String(cols) });
  }

  async pause(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    const task = this.task(rec.id);
    if (!task || !isRunningStatus(rec.state.status)) throw notRunning(rec.id);
    if (rec.state.status === 'paused') throw alreadyPaused(rec.id);
    await setFrozen(task.cgroups, this.o.cgroups, true);
    rec.state.status = 'paused';
    await this.o.store.save(rec);
    this.event(rec, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    const task = this.task(rec.id);
    if (!task || rec.state.status !== 'paused') throw notPaused(rec.id);
    await setFrozen(task.cgroups, this.o.cgroups, false);
    rec.state.status = 'running';
    await this.o.store.save(rec);
    this.event(rec, 'unpause');
  }

  async rename(ref: string, newName: string): Promise<void> {
    const rec = this.resolve(ref);
    const name = newName.replace(/^\//, '');
    if (!name) throw new InvalidArgument('Neither old nor new names may be empty');
    if (name === rec.name) throw new InvalidArgument('Renaming a container with the same name as its current name');
    const old = rec.name;
    this.o.store.reserveName(name, rec.id);
    this.o.store.releaseName(old, rec.id);
    rec.name = name;
    await Promise.all([this.o.store.save(rec), this.o.networks.renameContainer(rec.id, name)]);
    this.event(rec, 'rename', { oldName: `/${old}` });
  }

  /**
   * docker update: new limits (and restart policy), applied at once to a running container and
   * kept for its next starts. Docker's checks and texts for conflicting values.
   */
  async update(ref: string, u: ResourceUpdate): Promise<string[]> {
    const rec = this.resolve(ref);
    const h = { ...rec.hostConfig };
    const set = <K extends keyof ResourceUpdate & keyof HostConfig>(k: K) => {
      if (u[k] !== undefined) (h as Record<string, unknown>)[k] = u[k];
    };
    for (const k of ['memory', 'memorySwap', 'memoryReservation', 'cpuShares', 'cpuPeriod', 'cpuQuota', 'nanoCpus', 'cpusetCpus', 'cpusetMems', 'pidsLimit', 'blkioWeight'] as const) set(k);
    if (u.restartPolicy) {
      if (rec.hostConfig.autoRemove && u.restartPolicy.name !== 'no' && u.restartPolicy.name !== '') {
        throw new InvalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      h.restartPolicy = u.restartPolicy;
    }
    if (h.nanoCpus && (h.cpuPeriod || h.cpuQuota) && (u.nanoCpus || u.cpuPeriod || u.cpuQuota)) {
      throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    }
    if (u.memory !== undefined && u.memory !== 0 && u.memory < 6 * 1024 * 1024) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
    if (h.memory && h.memorySwap > 0 && h.memorySwap < h.memory) {
      throw new InvalidArgument(
        u.memorySwap === undefined
          ? 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time'
          : 'Minimum memoryswap limit should be larger than memory limit, see usage',
      );
    }
    if (u.pidsLimit !== undefined && u.pidsLimit !== null && u.pidsLimit < -1) throw new InvalidArgument(`invalid pids limit ${u.pidsLimit}`);
    const task = this.task(rec.id);
    if (task && isRunningStatus(rec.state.status)) {
      await applyResources(this.o.cgroups, `${rec.hostConfig.cgroupParent || this.o.cgroupParent}/${rec.id}`, {
        ...resourcesOf(h),
        // Lifting a limit writes the unlimited values (an absent field would leave the old one).
        ...(u.pidsLimit !== undefined && !h.pidsLimit ? { pids: { limit: -1 } } : {}),
      }).catch((err) => {
        throw new InvalidArgument(`Cannot update container ${rec.id}: ${messageOf(err)}`, { cause: err });
      });
    }
    rec.hostConfig = h;
    // A policy that no longer restarts calls off a restart waiting out its back-off.
    if (rec.state.status === 'restarting' && !this.task(rec.id) && !shouldRestart(h.restartPolicy, { exitCode: rec.state.exitCode, restartCount: rec.restartCount - 1, manuallyStopped: rec.manuallyStopped })) {
      this.restarts.cancel(rec.id);
      rec.state.status = 'exited';
    }
    await this.o.store.save(rec);
    this.event(rec, 'update');
    return [];
  }

  /** A sample of the running container's resource use. */
  async stats(ref: string): Promise<{ rec: ContainerRecord; cgroup: CgroupStats; systemCpu: number; networks: Record<string, Record<string, number>> } | { rec: ContainerRecord }> {
    const rec = this.resolve(ref);
    const task = this.task(rec.id);
    if (!task || !isRunningStatus(rec.state.status)) return { rec };
    const [cgroup, systemCpu, networks] = await Promise.all([
      readCgroupStats(task.cgroups, this.o.cgroups),
      systemCpuUsage(),
      networkStats(task.shim.pid),
    ]);
    return { rec, cgroup, systemCpu, networks };
  }

  /** The pids of the container's processes (from its cgroup). */
  async pids(ref: string): Promise<{ rec: ContainerRecord; pids: number[] }> {
    const rec = this.resolve(ref);
    const task = this.task(rec.id);
    if (!task || !isRunningStatus(rec.state.status)) throw notRunning(rec.id);
    return { rec, pids: await cgroupPids(task.cgroups) };
  }

  async prune(filter: (rec: ContainerRecord) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const rec of this.o.store.all()) {
      if (isRunningStatus(rec.state.status) || this.starting.has(rec.id) || !filter(rec)) continue;
      try {
        await this.removeStopped(rec);
        removed.push(rec.id);
      } catch (err) {
        this.o.log.warn('prune could not remove a container', { id: rec.id, error: messageOf(err) });
      }
    }
    return removed;
  }

  /**
   * After a daemon restart: reconnects to the shims of containers that kept running and records
   * the exits that happened while the daemon was away.
   */
  async restore(): Promise<void> {
    const known = new Set<string>();
    for (const rec of this.o.store.all()) {
      for (const p of rec.mountPoints ?? []) if (p.type === 'volume') this.o.volumes.reference(p.name, rec.id);
      // In use by a running container again before any exit is handled (an exit unmounts).
      if (isRunningStatus(rec.state.status)) await this.remountVolumes(rec);
    }
    await Promise.all(
      this.o.store.all().map(async (rec) => {
        known.add(rec.id);
        // Killed while waiting out a back-off: the exit was handled already; the policy decides below.
        if (rec.state.status === 'restarting' && !this.o.supervisor.hasShimSocket(rec.id)) {
          rec.state.status = 'exited';
          return;
        }
        if (isRunningStatus(rec.state.status)) {
          const r = await this.o.supervisor.restore(rec.id, rec.runtime, this.exitPath(rec.id));
          if ('shim' in r) this.adopt(rec, r.shim);
          else await this.onExit(rec.id, r);
          return;
        }
        // A daemon killed between starting a shim and recording it leaves a record that says
        // "created" (or "exited") while the shim runs, or has already recorded an exit.
        if (this.o.supervisor.hasShimSocket(rec.id)) {
          const r = await this.o.supervisor.restore(rec.id, rec.runtime, this.exitPath(rec.id));
          if ('shim' in r) {
            rec.state = { ...rec.state, status: 'running', pid: r.shim.pid, exitCode: 0, error: '', startedAt: nowRfc3339Nano() };
            await this.remountVolumes(rec);
            this.adopt(rec, r.shim);
            await this.o.store.save(rec);
            return;
          }
        }
        const recorded = await readExitFile(this.exitPath(rec.id));
        if (recorded && recorded.finishedAt.getTime() > Math.max(Date.parse(rec.state.finishedAt), Date.parse(rec.state.startedAt))) {
          rec.state.status = 'running';
          await this.onExit(rec.id, recorded);
        }
      }),
    );
    // What a crash during create or remove leaves: writable snapshots and runtime state of no container.
    for (const key of this.o.snapshots.keys()) {
      if (!known.has(key)) await this.o.snapshots.remove(key).catch(() => {});
    }
    await this.o.supervisor.pruneStates(known);
    // Namespaces, veths, addresses and ports of containers that stopped while the daemon was away.
    await this.o.networks.reconcile(new Set(this.o.store.all().filter((r) => isRunningStatus(r.state.status)).map((r) => r.id)));
    void this.startByPolicies();
  }

  /**
   * At daemon start, as dockerd: stopped containers whose policy says so start again (`always`
   * even after a manual stop, `unless-stopped` unless stopped by hand, `on-failure` after a
   * failure within its count). Containers still running under their shims were adopted above.
   */
  private async startByPolicies(): Promise<void> {
    const due = this.o.store.all().filter((rec) =>
      rec.state.status === 'exited' && rec.state.startedAt !== ZERO_TIME && !rec.hostConfig.autoRemove &&
      shouldRestart(rec.hostConfig.restartPolicy, { exitCode: rec.state.exitCode, restartCount: rec.restartCount, manuallyStopped: rec.manuallyStopped }));
    await Promise.all(due.map((rec) => this.start(rec.id).catch((err) => this.o.log.warn('start by restart policy failed', { id: rec.id, error: messageOf(err) }))));
  }

  private adopt(rec: ContainerRecord, shim: Shim): void {
    rec.state.pid = shim.pid;
    for (const l of this.listeners) l.started(rec, { adopted: true });
    this.watchExit(rec.id, shim);
  }

  /**
   * Makes the container's volumes reachable before its start: mounts the filesystem of a volume
   * that has one, fills an empty volume from the image's content at its destination (Docker's
   * copy-up, read through a read-only view of the root so that nothing leads out of it), and makes
   * the missing host paths of -v binds.
   */
  private async mountVolumes(rec: ContainerRecord, rootfsMount: Mount): Promise<void> {
    const points = rec.mountPoints ?? [];
    const mounted: string[] = [];
    let view: RootfsView | undefined;
    try {
      for (const p of points) {
        if (p.type === 'bind' && p.createSource) await makeBindSource(p.source);
        if (p.type !== 'volume') continue;
        const path = await this.o.volumes.mount(p.name, rec.id);
        mounted.push(p.name);
        // The view is mounted only when there may be something to copy into an empty volume.
        if (p.copyData && (await isEmptyDir(path)) && (await mayHaveImagePath(layerDirsOf(rootfsMount.options), p.destination))) {
          view ??= await mountRootfsView(rootfsMount, `fill volume ${p.name} of container ${rec.id}`);
          await copyImageContent(view.dir, p.destination, path);
        }
      }
    } catch (err) {
      for (const n of mounted) await this.o.volumes.unmount(n, rec.id).catch(() => {});
      throw err;
    } finally {
      await view?.release().catch((err) => this.o.log.warn('unmounting the view of a root filesystem failed', { id: rec.id, error: messageOf(err) }));
    }
    for (const p of points) {
      if (p.type !== 'volume') continue;
      this.o.events.publish({
        type: 'volume', action: 'mount', id: p.name,
        attributes: { container: rec.id, destination: p.destination, driver: p.driver, propagation: p.propagation, 'read/write': String(p.rw) },
      });
    }
  }

  /** After a daemon restart: the volumes of a container that kept running are in use (a filesystem of one is still mounted). */
  private async remountVolumes(rec: ContainerRecord): Promise<void> {
    for (const p of rec.mountPoints ?? []) {
      if (p.type !== 'volume') continue;
      await this.o.volumes.mount(p.name, rec.id).catch((err) => this.o.log.warn('volume of a running container', { id: rec.id, volume: p.name, error: messageOf(err) }));
    }
  }

  /** After the container's process is gone: its volumes are no longer in use by a running container. */
  private async unmountVolumes(rec: ContainerRecord): Promise<void> {
    for (const p of rec.mountPoints ?? []) {
      if (p.type !== 'volume') continue;
      await this.o.volumes.unmount(p.name, rec.id).catch((err) => this.o.log.warn('unmounting a volume failed', { id: rec.id, volume: p.name, error: messageOf(err) }));
      this.o.events.publish({ type: 'volume', action: 'unmount', id: p.name, attributes: { container: rec.id, driver: p.driver } });
    }
  }
}
