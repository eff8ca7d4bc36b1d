import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupLayout, CgroupSetup } from './cgroups.js';

/** Block I/O counters per device and operation, as cgroup v1's blkio files list them. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** What a container's cgroups say about its use of the machine. */
export interface CgroupStats {
  cpu: {
    /** Nanoseconds of CPU used, in total and per CPU. */
    total: number;
    perCpu: number[];
    /** Nanoseconds in user and kernel mode. */
    user: number;
    system: number;
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  memory: { usage: number; maxUsage: number; limit: number; failcnt: number; stats: Record<string, number> };
  pids: { current: number; limit: number };
  blkio: { serviceBytes: BlkioEntry[]; serviced: BlkioEntry[] };
}

const USER_HZ_NS = 1e9 / 100;

async function text(dir: string | undefined, file: string): Promise<string> {
  if (!dir) return '';
  return readFile(join(dir, file), 'utf8').catch(() => '');
}

function num(s: string): number {
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines (memory.stat, cpu.stat) as a record of numbers. */
export function keyValues(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of s.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

function blkio(s: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of s.split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** Reads the container's counters from its cgroups (v1 files, or v2's equivalents). */
export async function readCgroupStats(setup: CgroupSetup, layout: CgroupLayout): Promise<CgroupStats> {
  const d = (c: string): string | undefined => setup.controllerDirs[c];
  if (layout.version === 2) {
    const dir = d('cpu');
    const [cpuStat, memCur, memPeak, memMax, memStat, pidsCur, pidsMax, io] = await Promise.all([
      text(dir, 'cpu.stat'), text(dir, 'memory.current'), text(dir, 'memory.peak'), text(dir, 'memory.max'),
      text(dir, 'memory.stat'), text(dir, 'pids.current'), text(dir, 'pids.max'), text(dir, 'io.stat'),
    ]);
    const cs = keyValues(cpuStat);
    const bytes: BlkioEntry[] = [];
    for (const line of io.split('\n')) {
      const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
      if (!m) continue;
      const kv = Object.fromEntries(m[3]!.split(' ').map((p) => p.split('=')));
      bytes.push({ major: Number(m[1]), minor: Number(m[2]), op: 'read', value: Number(kv.rbytes ?? 0) });
      bytes.push({ major: Number(m[1]), minor: Number(m[2]), op: 'write', value: Number(kv.wbytes ?? 0) });
    }
    return {
      cpu: {
        total: (cs.usage_usec ?? 0) * 1000, perCpu: [], user: (cs.user_usec ?? 0) * 1000, system: (cs.system_usec ?? 0) * 1000,
        throttling: { periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: (cs.throttled_usec ?? 0) * 1000 },
      },
      memory: { usage: num(memCur), maxUsage: num(memPeak), limit: memMax.trim() === 'max' ? 0 : num(memMax), failcnt: 0, stats: keyValues(memStat) },
      pids: { current: num(pidsCur), limit: pidsMax.trim() === 'max' ? 0 : num(pidsMax) },
      blkio: { serviceBytes: bytes, serviced: [] },
    };
  }
  const [usage, perCpu, cpuacctStat, cpuStat, memUsage, memMax, memLimit, memFail, memStat, pidsCur, pidsMax, ioBytes, ioOps] = await Promise.all([
    text(d('cpuacct'), 'cpuacct.usage'), text(d('cpuacct'), 'cpuacct.usage_percpu'), text(d('cpuacct'), 'cpuacct.stat'),
    text(d('cpu'), 'cpu.stat'), text(d('memory'), 'memory.usage_in_bytes'), text(d('memory'), 'memory.max_usage_in_bytes'),
    text(d('memory'), 'memory.limit_in_bytes'), text(d('memory'), 'memory.failcnt'), text(d('memory'), 'memory.stat'),
    text(d('pids'), 'pids.current'), text(d('pids'), 'pids.max'),
    text(d('blkio'), 'blkio.throttle.io_service_bytes_recursive'), text(d('blkio'), 'blkio.throttle.io_serviced_recursive'),
  ]);
  const ticks = keyValues(cpuacctStat);
  const cs = keyValues(cpuStat);
  return {
    cpu: {
      total: num(usage),
      perCpu: perCpu.trim().split(/\s+/).filter(Boolean).map(Number),
      user: (ticks.user ?? 0) * USER_HZ_NS,
      system: (ticks.system ?? 0) * USER_HZ_NS,
      throttling: { periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: cs.throttled_time ?? 0 },
    },
    memory: { usage: num(memUsage), maxUsage: num(memMax), limit: num(memLimit), failcnt: num(memFail), stats: keyValues(memStat) },
    pids: { current: num(pidsCur), limit: pidsMax.trim() === 'max' ? 0 : num(pidsMax) },
    blkio: { serviceBytes: blkio(ioBytes), serviced: blkio(ioOps) },
  };
}

/** The machine's CPU time in nanoseconds (the first line of /proc/stat), for CPU percentages. */
export async function systemCpuUsage(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  return fields.reduce((a, b) => a + b, 0) * USER_HZ_NS;
}

/** Network counters of the process's network namespace, loopback left out (as Docker lists them). */
export async function networkStats(pid: number): Promise<Record<string, Record<string, number>>> {
  const text = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '');
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = {
      rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!,
      tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]!,
    };
  }
  return out;
}
