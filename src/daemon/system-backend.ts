import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import type { EventQuery, SystemBackend } from '../api/routes/system.js';
import type { EventMessage, SystemInfo, SystemVersion } from '../api/types/index.js';
import { API_VERSION, MIN_API_VERSION } from '../api/version.js';
import type { CgroupLayout } from '../runtime/cgroups.js';
import type { EventLog } from './event-log.js';

export const BERTH_VERSION = '0.1.0';

export interface SystemFacts {
  engineId: string;
  dataRoot: string;
  debug: boolean;
  defaultRuntime: string;
  runtimes: Record<string, string>;
  cgroups: CgroupLayout;
  counts(): { containers: number; running: number; paused: number; stopped: number; images: number };
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

function osRelease(): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^(\w+)=("?)(.*)\2$/.exec(line);
      if (m) out[m[1]!] = m[3]!;
    }
    return out;
  } catch {
    return {};
  }
}

/** /version, /info and /events. */
export class DaemonSystemBackend implements SystemBackend {
  private readonly started = new Date().toISOString();

  constructor(private readonly facts: SystemFacts, private readonly eventLog: EventLog) {}

  version(): SystemVersion {
    const details = {
      ApiVersion: API_VERSION, Arch: goArch(), BuildTime: this.started, Experimental: 'false', GitCommit: '',
      GoVersion: `node ${process.version}`, KernelVersion: os.release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux',
    };
    return {
      Platform: { Name: 'Berth Engine' },
      Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }],
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: details.GoVersion,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      BuildTime: this.started,
    };
  }

  async info(): Promise<SystemInfo> {
    const c = this.facts.counts();
    const rel = osRelease();
    const fds = await readdir('/proc/self/fd').catch(() => []);
    const v1 = this.facts.cgroups.version === 1;
    const ipv4Forwarding = (() => {
      try {
        return readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1';
      } catch {
        return false;
      }
    })();
    return {
      ID: this.facts.engineId,
      Containers: c.containers, ContainersRunning: c.running, ContainersPaused: c.paused, ContainersStopped: c.stopped,
      Images: c.images,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true']],
      DockerRootDir: this.facts.dataRoot,
      Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true, SwapLimit: this.facts.cgroups.hasSwapAccounting, KernelMemoryTCP: v1,
      CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: true, OomKillDisable: v1,
      IPv4Forwarding: ipv4Forwarding, BridgeNfIptables: false, BridgeNfIp6tables: false,
      Debug: this.facts.debug,
      NFd: fds.length,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: String(this.facts.cgroups.version),
      NEventsListener: this.eventLog.listeners,
      KernelVersion: os.release(),
      OperatingSystem: rel.PRETTY_NAME ?? 'Linux',
      OSVersion: rel.VERSION_ID ?? '',
      OSType: 'linux',
      Architecture: os.machine(),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null,
        InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
        Mirrors: null,
      },
      GenericResources: null,
      HttpProxy: '', HttpsProxy: '', NoProxy: '',
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: Object.fromEntries(Object.entries(this.facts.runtimes).map(([k, path]) => [k, { path }])),
      DefaultRuntime: this.facts.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: null,
    };
  }

  events(q: EventQuery, signal: AbortSignal): AsyncIterable<EventMessage> {
    return this.eventLog.stream(q, signal);
  }
}
