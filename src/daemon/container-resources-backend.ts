import os from 'node:os';
import type { ContainerResourcesBackend } from '../api/routes/container-resources.js';
import type { ContainerCpuStats, ContainerStatsResponse, ContainerUpdateRequest } from '../api/types/index.js';
import { InvalidArgument } from '../common/errors.js';
import { nowRfc3339Nano, ZERO_TIME } from '../common/time.js';
import type { ContainerService, ResourceUpdate } from '../container/container-service.js';
import type { CgroupStats } from '../runtime/cgroup-stats.js';

const UNLIMITED = 2 ** 62;

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgument(`${field} must be a number`);
  return v;
}

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidArgument(`${field} must be a string`);
  return v;
}

/** The update body, checked, as the container layer takes it. */
export function fromApiUpdate(b: ContainerUpdateRequest): ResourceUpdate {
  const u: ResourceUpdate = {};
  const put = <K extends keyof ResourceUpdate>(k: K, v: ResourceUpdate[K] | undefined) => {
    if (v !== undefined) u[k] = v;
  };
  put('memory', num(b.Memory, 'Memory'));
  put('memorySwap', num(b.MemorySwap, 'MemorySwap'));
  put('memoryReservation', num(b.MemoryReservation, 'MemoryReservation'));
  put('cpuShares', num(b.CpuShares, 'CpuShares'));
  put('cpuPeriod', num(b.CpuPeriod, 'CpuPeriod'));
  put('cpuQuota', num(b.CpuQuota, 'CpuQuota'));
  put('nanoCpus', num(b.NanoCpus, 'NanoCpus'));
  put('cpusetCpus', str(b.CpusetCpus, 'CpusetCpus'));
  put('cpusetMems', str(b.CpusetMems, 'CpusetMems'));
  put('blkioWeight', num(b.BlkioWeight, 'BlkioWeight'));
  // The docker CLI sends every field; a zero means "not given" for all of them but PidsLimit.
  for (const k of Object.keys(u) as (keyof ResourceUpdate)[]) if (u[k] === 0 || u[k] === '') delete u[k];
  if (b.PidsLimit !== undefined && b.PidsLimit !== null) u.pidsLimit = num(b.PidsLimit, 'PidsLimit')!;
  if (b.RestartPolicy?.Name) {
    const name = b.RestartPolicy.Name;
    if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name)) throw new InvalidArgument(`invalid restart policy: unknown policy '${name}'`);
    u.restartPolicy = { name: name as 'no', maximumRetryCount: b.RestartPolicy.MaximumRetryCount ?? 0 };
  }
  return u;
}

interface Sample {
  at: string;
  cgroup?: CgroupStats;
  systemCpu?: number;
  networks?: Record<string, Record<string, number>>;
}

function cpuStats(s: Sample): ContainerCpuStats {
  const c = s.cgroup?.cpu;
  return {
    cpu_usage: {
      total_usage: c?.total ?? 0,
      ...(c?.perCpu.length ? { percpu_usage: c.perCpu } : {}),
      usage_in_kernelmode: c?.system ?? 0,
      usage_in_usermode: c?.user ?? 0,
    },
    ...(s.systemCpu !== undefined ? { system_cpu_usage: s.systemCpu, online_cpus: os.cpus().length } : {}),
    throttling_data: { periods: c?.throttling.periods ?? 0, throttled_periods: c?.throttling.throttledPeriods ?? 0, throttled_time: c?.throttling.throttledTime ?? 0 },
  };
}

/** A sample in dockerd's JSON shape; `prev` gives precpu (zero for the first). */
export function toApiStats(id: string, name: string, cur: Sample, prev: Sample | undefined): ContainerStatsResponse {
  const m = cur.cgroup?.memory;
  // An unlimited cgroup reports a huge limit: dockerd shows the machine's memory instead.
  const limit = m ? (m.limit >= UNLIMITED || m.limit === 0 ? os.totalmem() : Math.min(m.limit, os.totalmem())) : undefined;
  return {
    read: cur.at,
    preread: prev?.at ?? ZERO_TIME,
    pids_stats: cur.cgroup ? { current: cur.cgroup.pids.current, ...(cur.cgroup.pids.limit ? { limit: cur.cgroup.pids.limit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: cur.cgroup?.blkio.serviceBytes ?? null,
      io_serviced_recursive: cur.cgroup?.blkio.serviced ?? null,
      io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null,
      io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: prev ? cpuStats(prev) : cpuStats({ at: ZERO_TIME }),
    memory_stats: m ? { usage: m.usage, max_usage: m.maxUsage, stats: m.stats, failcnt: m.failcnt, ...(limit !== undefined ? { limit } : {}) } : {},
    name: `/${name}`,
    id,
    ...(cur.networks && Object.keys(cur.networks).length ? { networks: cur.networks } : {}),
  };
}

/** docker update and docker stats over the container service. */
export class ContainerResourcesAdapter implements ContainerResourcesBackend {
  constructor(private readonly containers: ContainerService) {}

  async update(ref: string, body: ContainerUpdateRequest): Promise<{ Warnings: string[] }> {
    return { Warnings: await this.containers.update(ref, fromApiUpdate(body)) };
  }

  private async sample(ref: string): Promise<{ id: string; name: string; s: Sample }> {
    const r = await this.containers.stats(ref);
    const s: Sample = { at: nowRfc3339Nano() };
    if ('cgroup' in r) Object.assign(s, { cgroup: r.cgroup, systemCpu: r.systemCpu, networks: r.networks });
    return { id: r.rec.id, name: r.rec.name, s };
  }

  async *stats(ref: string, opts: { stream: boolean; oneShot: boolean }, signal: AbortSignal): AsyncIterable<ContainerStatsResponse> {
    const first = await this.sample(ref);
    if (!opts.stream && opts.oneShot) {
      yield toApiStats(first.id, first.name, first.s, undefined);
      return;
    }
    if (!opts.stream) {
      // Like dockerd, a single answer carries a CPU delta: a second sample, a second later.
      await sleep(1000, signal);
      const second = await this.sample(ref);
      yield toApiStats(second.id, second.name, second.s, first.s);
      return;
    }
    yield toApiStats(first.id, first.name, first.s, undefined);
    let prev = first.s;
    while (!signal.aborted) {
      await sleep(1000, signal);
      if (signal.aborted) return;
      const next = await this.sample(ref);
      yield toApiStats(next.id, next.name, next.s, prev);
      if (!next.s.cgroup) return; // stopped: dockerd ends the stream
      prev = next.s;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
