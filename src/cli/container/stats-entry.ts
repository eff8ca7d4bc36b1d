import type { BlkioStatEntry, ContainerCpuStats, ContainerStatsResponse } from '../../api/types/index.js';

/** What `docker stats` shows for one container, computed from one sample (docker's StatsEntry). */
export interface StatsEntry {
  /** The container as asked for: a name given on the command line, or a short id. */
  container: string;
  /** `/name` as the daemon sends it; empty before the first sample. */
  name: string;
  id: string;
  cpuPercent: number;
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  /** No valid sample (timed out, stream ended or broken): the row shows `--`. */
  invalid: boolean;
}

/** An entry before any sample arrived. */
export function emptyStatsEntry(container: string): StatsEntry {
  return {
    container, name: '', id: '', cpuPercent: 0, memory: 0, memoryLimit: 0, memoryPercent: 0,
    networkRx: 0, networkTx: 0, blockRead: 0, blockWrite: 0, pids: 0, invalid: false,
  };
}

/** A Linux sample as the docker CLI reads it. */
export function statsEntryFromSample(container: string, s: ContainerStatsResponse): StatsEntry {
  const memory = memoryUsageNoCache(s.memory_stats ?? {});
  const limit = s.memory_stats?.limit ?? 0;
  const [networkRx, networkTx] = networkBytes(s.networks);
  const [blockRead, blockWrite] = blockIoBytes(s.blkio_stats?.io_service_bytes_recursive);
  return {
    container,
    name: s.name ?? '',
    id: s.id ?? '',
    cpuPercent: cpuPercent(s.precpu_stats, s.cpu_stats),
    memory,
    memoryLimit: limit,
    memoryPercent: limit !== 0 ? (memory / limit) * 100 : 0,
    networkRx,
    networkTx,
    blockRead,
    blockWrite,
    pids: s.pids_stats?.current ?? 0,
    invalid: false,
  };
}

/**
 * The container's share of the whole machine between two readings, scaled so one busy CPU is
 * 100%: container delta / system delta × online CPUs × 100 (the CPU count falls back to the
 * per-CPU list for daemons that do not send online_cpus). No delta, no percentage.
 */
export function cpuPercent(previous: ContainerCpuStats | undefined, current: ContainerCpuStats | undefined): number {
  const cpuDelta = (current?.cpu_usage?.total_usage ?? 0) - (previous?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (current?.system_cpu_usage ?? 0) - (previous?.system_cpu_usage ?? 0);
  let onlineCpus = current?.online_cpus ?? 0;
  if (onlineCpus === 0) onlineCpus = current?.cpu_usage?.percpu_usage?.length ?? 0;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * onlineCpus * 100;
  return 0;
}

/**
 * Memory in use without the page cache that the kernel can drop: usage less inactive file pages
 * (`total_inactive_file` on cgroup v1, `inactive_file` on v2), as the docker CLI, cAdvisor and
 * CRI count it.
 */
export function memoryUsageNoCache(mem: { usage?: number; stats?: Record<string, number> }): number {
  const usage = mem.usage ?? 0;
  const stats = mem.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats['inactive_file'] ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

/** Bytes read and written: the service-bytes entries whose op starts with r or w. */
export function blockIoBytes(entries: readonly BlkioStatEntry[] | null | undefined): [number, number] {
  let read = 0;
  let write = 0;
  for (const e of entries ?? []) {
    const op = e.op?.[0];
    if (op === 'r' || op === 'R') read += e.value;
    else if (op === 'w' || op === 'W') write += e.value;
  }
  return [read, write];
}

/** Bytes received and sent, summed over the container's interfaces. */
export function networkBytes(networks: Record<string, Record<string, number>> | undefined): [number, number] {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(networks ?? {})) {
    rx += n['rx_bytes'] ?? 0;
    tx += n['tx_bytes'] ?? 0;
  }
  return [rx, tx];
}
