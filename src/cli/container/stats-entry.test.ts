import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatsResponse } from '../../api/types/index.js';
import { blockIoBytes, cpuPercent, memoryUsageNoCache, networkBytes, statsEntryFromSample } from './stats-entry.js';

const NO_BLKIO = {
  io_service_bytes_recursive: [], io_serviced_recursive: [], io_queue_recursive: null, io_service_time_recursive: null,
  io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
};

/** A cgroup v1 sample as dockerd 20.10 answers `stats?stream=0` for a busy container with -m 100m. */
const V1_SAMPLE = {
  read: '2026-11-22T22:33:25.213802262Z',
  preread: '2026-11-22T22:33:24.211211301Z',
  pids_stats: { current: 1 },
  blkio_stats: {
    ...NO_BLKIO,
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 1_500_000 },
      { major: 8, minor: 0, op: 'Sync', value: 1_504_096 },
      { major: 8, minor: 0, op: 'Total', value: 1_504_096 },
    ],
  },
  num_procs: 0,
  storage_stats: {},
  cpu_stats: {
    cpu_usage: { total_usage: 1296861469, percpu_usage: [8586437, 1288275032], usage_in_kernelmode: 0, usage_in_usermode: 1290000000 },
    system_cpu_usage: 27208730000000,
    online_cpus: 2,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  precpu_stats: {
    cpu_usage: { total_usage: 930421342, percpu_usage: [8586437, 921834905], usage_in_kernelmode: 0, usage_in_usermode: 930000000 },
    system_cpu_usage: 27206760000000,
    online_cpus: 2,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  memory_stats: {
    usage: 487424,
    max_usage: 4091904,
    stats: { active_file: 159744, cache: 159744, inactive_file: 0, rss: 61440, total_cache: 159744, total_inactive_file: 40960, total_rss: 61440 },
    limit: 104857600,
  },
  name: '/cs1',
  id: 'd1d205b32a33583222d13b55ba53e096a55097390620810ab2ddd30242a18563',
  networks: { eth0: { rx_bytes: 736, rx_packets: 8, rx_errors: 0, rx_dropped: 0, tx_bytes: 0, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } },
} as ContainerStatsResponse;

/** What dockerd answers for a container that is not running: zeroes, no limits. */
const STOPPED_SAMPLE = {
  read: '0001-01-01T00:00:00Z', preread: '0001-01-01T00:00:00Z', pids_stats: {},
  blkio_stats: { ...NO_BLKIO, io_service_bytes_recursive: null, io_serviced_recursive: null }, num_procs: 0, storage_stats: {},
  cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
  precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } },
  memory_stats: {}, name: '/cs3', id: '113f38a5b0431072205be22009d00bf5652fc78edd0092d015d96c11c1b5b943',
} as ContainerStatsResponse;

test('cpuPercent is the container share of the system delta times the online CPUs', () => {
  // (1296861469 - 930421342) / (27208730000000 - 27206760000000) * 2 * 100
  assert.equal(cpuPercent(V1_SAMPLE.precpu_stats, V1_SAMPLE.cpu_stats).toFixed(2), '37.20');
});

test('cpuPercent falls back to the per-CPU list without online_cpus, and is 0 without a delta', () => {
  const { online_cpus: _, ...cur } = V1_SAMPLE.cpu_stats;
  assert.equal(cpuPercent(V1_SAMPLE.precpu_stats, cur).toFixed(2), '37.20');
  assert.equal(cpuPercent(V1_SAMPLE.cpu_stats, V1_SAMPLE.cpu_stats), 0);
  assert.equal(cpuPercent(STOPPED_SAMPLE.precpu_stats, STOPPED_SAMPLE.cpu_stats), 0);
  // the first sample of a stream has a zero precpu without a system reading: still a delta
  assert.ok(cpuPercent(STOPPED_SAMPLE.precpu_stats, V1_SAMPLE.cpu_stats) > 0);
});

test('memoryUsageNoCache drops total_inactive_file on cgroup v1 and inactive_file on v2', () => {
  assert.equal(memoryUsageNoCache(V1_SAMPLE.memory_stats), 487424 - 40960);
  const v2 = { usage: 9_000_000, stats: { anon: 5_000_000, file: 4_000_000, active_file: 1_000_000, inactive_file: 3_000_000 } };
  assert.equal(memoryUsageNoCache(v2), 6_000_000);
  assert.equal(memoryUsageNoCache({ usage: 100, stats: { inactive_file: 500 } }), 100, 'never below zero');
  assert.equal(memoryUsageNoCache({}), 0);
});

test('blockIoBytes sums reads and writes by op, networkBytes sums every interface', () => {
  assert.deepEqual(blockIoBytes(V1_SAMPLE.blkio_stats.io_service_bytes_recursive), [4096, 1_500_000]);
  assert.deepEqual(blockIoBytes(null), [0, 0]);
  assert.deepEqual(networkBytes({ eth0: { rx_bytes: 10, tx_bytes: 1 }, eth1: { rx_bytes: 5, tx_bytes: 2 } }), [15, 3]);
  assert.deepEqual(networkBytes(undefined), [0, 0]);
});

test('statsEntryFromSample: a running and a stopped container', () => {
  const e = statsEntryFromSample('cs1', V1_SAMPLE);
  assert.equal(e.container, 'cs1');
  assert.equal(e.name, '/cs1');
  assert.equal(e.memory, 446464);
  assert.equal(e.memoryLimit, 104857600);
  assert.equal(e.memoryPercent.toFixed(2), '0.43');
  assert.equal(e.pids, 1);
  assert.deepEqual([e.networkRx, e.networkTx, e.blockRead, e.blockWrite], [736, 0, 4096, 1_500_000]);
  const s = statsEntryFromSample('113f38a5b043', STOPPED_SAMPLE);
  assert.deepEqual([s.cpuPercent, s.memory, s.memoryLimit, s.memoryPercent, s.pids, s.invalid], [0, 0, 0, 0, 0, false]);
});
