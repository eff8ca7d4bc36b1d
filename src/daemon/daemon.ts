import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containerResourceRoutes } from '../api/routes/container-resources.js';
import { containerRoutes } from '../api/routes/containers.js';
import { archiveRoutes } from '../api/routes/archive.js';
import { execRoutes } from '../api/routes/exec.js';
import { authRoutes } from '../api/routes/auth.js';
import { buildRoutes } from '../api/routes/build.js';
import { commitRoutes } from '../api/routes/commit.js';
import { diskUsageRoutes } from '../api/routes/disk-usage.js';
import { imageRoutes } from '../api/routes/images.js';
import { systemRoutes } from '../api/routes/system.js';
import { volumeRoutes } from '../api/routes/volumes.js';
import { networkRoutes } from '../api/routes/networks.js';
import { Router } from '../api/router.js';
import { ApiServer } from '../api/server.js';
import { atomicWrite } from '../common/atomic-write.js';
import { InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import { createLogger, type Logger } from '../common/log.js';
import { ContainerService } from '../container/container-service.js';
import { ContainerStore } from '../container/container-store.js';
import { ExecService } from '../container/exec-service.js';
import { HealthMonitor } from '../container/health-monitor.js';
import { logSettings } from '../container/log-config.js';
import { TaskSupervisor } from '../container/task-supervisor.js';
import { FsContentStore } from '../content/fs-content-store.js';
import { ImageService } from '../image/image-service.js';
import { familiarName, normalizeReference } from '../image/reference.js';
import { BerthDriver } from '../runtime/berth-driver.js';
import { hostCgroupLayout } from '../runtime/cgroups.js';
import { CAPABILITIES } from '../runtime/linux-constants.js';
import { OciCliDriver } from '../runtime/oci-cli-driver.js';
import type { RuntimeDriver } from '../runtime/runtime-driver.js';
import { SeccompCompiler } from '../runtime/seccomp/seccomp-compiler.js';
import { RegistryHosts } from '../registry/registry-hosts.js';
import { OverlaySnapshotter } from '../snapshot/overlay-snapshotter.js';
import { LocalVolumeStore } from '../volume/local-volume-store.js';
import { NetworkService } from '../network/network-service.js';
import type { DaemonConfig } from './config.js';
import { ContainerBackend, ExecBackendAdapter } from './container-backend.js';
import { ContainerResourcesAdapter } from './container-resources-backend.js';
import { ContainerArchiveBackend } from './archive-backend.js';
import { EventLog } from './event-log.js';
import { ImageBackend } from './image-backend.js';
import { NetworkBackend } from './network-backend.js';
import { listenOptions } from './listen-options.js';
import { BuildBackend } from './build-backend.js';
import { CommitBackend } from './commit-backend.js';
import { DiskUsageBackend } from './disk-usage-backend.js';
import { RegistryAuthBackend } from './registry-auth.js';
import { DaemonSystemBackend } from './system-backend.js';
import { VolumeBackend } from './volume-backend.js';

/** Per-registry CAs and client certificates, as Docker's /etc/docker/certs.d. */
const REGISTRY_CERTS_DIR = '/etc/berth/certs.d';

/** The repository (or installed package) root: dist/src/daemon/ is three levels down. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The capabilities in the daemon's bounding set: what --privileged can give. */
function hostCapabilities(): string[] {
  const m = /^CapBnd:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const mask = BigInt(`0x${m?.[1] ?? '0'}`);
  return CAPABILITIES.filter((_c, i) => (mask >> BigInt(i)) & 1n);
}

async function writePidfile(path: string): Promise<void> {
  const old = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(old.trim());
  if (pid > 0 && pid !== process.pid) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berthd')) {
      throw new InvalidArgument(`pid file found, ensure berthd is not running or delete ${path}`);
    }
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${process.pid}`);
}

async function engineId(dataRoot: string): Promise<string> {
  const path = join(dataRoot, 'engine-id');
  const existing = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const id = randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  await atomicWrite(path, id);
  return id;
}

/** Berth's nftables table: one per default bridge, so that daemons side by side keep apart. */
export function nftTableName(bridge: string): string {
  return `berth_${bridge.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export interface RunningDaemon {
  close(): Promise<void>;
  log: Logger;
}

/** The composition root: opens the stores, builds the services, restores containers, serves the API. */
export async function startDaemon(cfg: DaemonConfig): Promise<RunningDaemon> {
  const log = createLogger(cfg.logLevel);
  if (cfg.execRoot.length > 60) {
    throw new InvalidArgument(`exec root "${cfg.execRoot}" is too long: its socket paths must fit in 108 bytes (use at most 60 characters)`);
  }
  await mkdir(cfg.dataRoot, { recursive: true, mode: 0o711 });
  // Who may talk to berthd is settled first: a refused listener must not leave a half-started daemon.
  const listen = await listenOptions(cfg, { log });
  // The default socket lives in the exec root: members of its group must be able to pass through.
  await mkdir(cfg.execRoot, { recursive: true, mode: 0o711 });
  await mkdir(join(cfg.execRoot, 'c'), { recursive: true, mode: 0o700 });
  await mkdir(join(cfg.execRoot, 's'), { recursive: true, mode: 0o700 });
  await writePidfile(cfg.pidfile);

  const cgroups = hostCgroupLayout();
  // Compiled seccomp programs outlive a restart: a container's start never waits for libseccomp twice.
  const seccomp = new SeccompCompiler({ cacheDir: join(cfg.dataRoot, 'seccomp') });
  const drivers = new Map<string, RuntimeDriver>([['berth', new BerthDriver(cgroups, { seccomp })]]);
  const runtimePaths: Record<string, string> = { berth: join(PACKAGE_ROOT, 'native/build/berth-shim') };
  for (const name of ['runc', 'crun']) {
    const path = which(name);
    if (path) {
      drivers.set(name, new OciCliDriver(name, path, join(cfg.execRoot, name), cgroups, join(cfg.execRoot, 's')));
      runtimePaths[name] = path;
    }
  }
  for (const [name, path] of Object.entries(cfg.runtimes)) {
    drivers.set(name, new OciCliDriver(name, path, join(cfg.execRoot, name), cgroups, join(cfg.execRoot, 's')));
    runtimePaths[name] = path;
  }
  if (!drivers.has(cfg.defaultRuntime)) throw new InvalidArgument(`default runtime "${cfg.defaultRuntime}" is not a known runtime`);

  // A bad default log configuration stops the start, as in dockerd.
  const logDefaults = { type: cfg.logDriver, config: cfg.logOpts };
  logSettings(logDefaults);
  const events = new EventLog();
  const content = await FsContentStore.open(join(cfg.dataRoot, 'content'), { log });
  const snapshots = await OverlaySnapshotter.open(join(cfg.dataRoot, 'snapshots'), { log });
  const registries = new RegistryHosts({ insecure: cfg.insecureRegistries, allowed: cfg.allowedRegistries, certsDir: REGISTRY_CERTS_DIR });
  const images = await ImageService.open(cfg.dataRoot, { content, snapshotter: snapshots, registries, log });
  const store = await ContainerStore.open(join(cfg.dataRoot, 'containers'), log);
  const volumes = await LocalVolumeStore.open(join(cfg.dataRoot, 'volumes'), { events, log });
  const hostCaps = hostCapabilities();
  const supervisor = new TaskSupervisor({
    shimBinary: runtimePaths.berth!,
    stateRoot: join(cfg.execRoot, 'c'),
    socketRoot: join(cfg.execRoot, 's'),
    drivers,
    cgroups,
    cgroupParent: cfg.cgroupParent,
    log,
  });
  const imageLookup = {
    resolve(ref: string) {
      try {
        return images.resolve(ref);
      } catch (err) {
        // Docker names the image in full in this message: the CLI pulls what it names.
        if (err instanceof NotFound && !/^(sha256:)?[a-f0-9]{12,64}$/.test(ref)) {
          let name = ref;
          try {
            name = familiarName(normalizeReference(ref));
          } catch {
            // not a valid reference: keep it as given
          }
          throw new NotFound(`No such image: ${name}`);
        }
        throw err;
      }
    },
  };
  const networks = new NetworkService({
    root: join(cfg.dataRoot, 'network'), bridge: cfg.bridge, bip: cfg.bip, addressPools: cfg.defaultAddressPools, table: nftTableName(cfg.bridge), events, log,
  });
  await networks.open();
  const containers = new ContainerService({
    store, images: imageLookup, snapshots, supervisor, cgroups, events, log,
    defaultRuntime: cfg.defaultRuntime, cgroupParent: cfg.cgroupParent, hostCapabilities: hostCaps, hostHostname: os.hostname(),
    initBinary: join(PACKAGE_ROOT, 'native/build/berth-init'),
    logDefaults,
    volumes,
    networks,
  });
  const execs = new ExecService({ containers, supervisor, snapshots, events, log, hostCapabilities: hostCaps, cgroupParent: cfg.cgroupParent });
  containers.addLifecycleListener(new HealthMonitor({
    probe: (id, cmd, timeoutMs) => execs.probe(id, cmd, timeoutMs), save: (rec) => store.save(rec), events, log,
  }));
  await containers.restore();

  const system = new DaemonSystemBackend({
    engineId: await engineId(cfg.dataRoot),
    dataRoot: cfg.dataRoot,
    debug: cfg.logLevel === 'debug',
    defaultRuntime: cfg.defaultRuntime,
    runtimes: runtimePaths,
    cgroups,
    counts: () => {
      const all = store.all();
      const running = all.filter((c) => c.state.status === 'running').length;
      const paused = all.filter((c) => c.state.status === 'paused').length;
      return { containers: all.length, running, paused, stopped: all.length - running - paused, images: images.list().length };
    },
  }, events);

  const router = new Router();
  systemRoutes(router, system);
  containerRoutes(router, new ContainerBackend(containers, execs, snapshots, {
    idOf: (ref) => {
      try {
        return images.resolve(ref).id;
      } catch {
        return undefined;
      }
    },
    sizeOf: (id) => {
      try {
        return images.resolve(id).size;
      } catch {
        return 0;
      }
    },
  }, networks));
  execRoutes(router, new ExecBackendAdapter(execs));
  archiveRoutes(router, new ContainerArchiveBackend(containers, snapshots));
  networkRoutes(router, new NetworkBackend(networks, containers));
  containerResourceRoutes(router, new ContainerResourcesAdapter(containers));
  imageRoutes(router, new ImageBackend(images, store, snapshots, events));
  authRoutes(router, new RegistryAuthBackend(images));
  commitRoutes(router, new CommitBackend(containers, images, snapshots, events, log));
  volumeRoutes(router, new VolumeBackend(volumes, log));
  diskUsageRoutes(router, new DiskUsageBackend(images, store, snapshots, volumes));
  buildRoutes(router, await BuildBackend.open(cfg.dataRoot, { images, containers, snapshots, log }));
  // Hijacked TLS streams reach their shims through socket pairs made in a root-only directory.
  const server = new ApiServer(router, log, { limits: { bridgeDir: join(cfg.execRoot, 's') } });
  await server.listen(cfg.hosts, listen);
  log.info('berthd started', { dataRoot: cfg.dataRoot, containers: store.size, runtimes: [...drivers.keys()].join(',') });

  return {
    log,
    async close() {
      await server.close();
      await networks.close();
      // What a pull or build committed in the last seconds reaches the disk before berthd goes.
      await Promise.all([content.flush(), snapshots.flush()]).catch((err: unknown) => log.warn('flush images to disk', { error: messageOf(err) }));
      await unlink(cfg.pidfile).catch(() => {});
      log.info('berthd stopped; containers keep running');
    },
  };
}
