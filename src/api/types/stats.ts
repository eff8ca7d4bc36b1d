import type { HostConfig } from './container.js';

/** One sample of GET /containers/{id}/stats (cgroup v1 shape, as dockerd answers). */
export interface ContainerCpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface BlkioStatEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface ContainerStatsResponse {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioStatEntry[] | null;
    io_serviced_recursive: BlkioStatEntry[] | null;
    io_queue_recursive: null;
    io_service_time_recursive: null;
    io_wait_time_recursive: null;
    io_merged_recursive: null;
    io_time_recursive: null;
    sectors_recursive: null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: ContainerCpuStats;
  precpu_stats: ContainerCpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; failcnt?: number; limit?: number };
  name: string;
  id: string;
  networks?: Record<string, Record<string, number>>;
}

/** Body of POST /containers/{id}/update: the resource fields of a host config and its restart policy. */
export type ContainerUpdateRequest = Pick<HostConfig,
  'BlkioWeight' | 'CpuShares' | 'CpuPeriod' | 'CpuQuota' | 'CpuRealtimePeriod' | 'CpuRealtimeRuntime' | 'CpusetCpus' |
  'CpusetMems' | 'Memory' | 'MemorySwap' | 'MemoryReservation' | 'NanoCpus' | 'PidsLimit' | 'RestartPolicy'> & { KernelMemory?: number };
