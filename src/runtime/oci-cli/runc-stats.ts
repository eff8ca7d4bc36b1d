import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupLayout, CgroupSetup } from '../cgroups.js';

/**
 * A container's cgroup counters in the shape `runc events` prints them (libcontainer's types with
 * their omitempty rules). Counters are bigints: a v1 "no limit" is 2^63 rounded down to a page,
 * past what a JS number holds exactly, and runc prints it to the digit.
 */
export type RuncStats = Record<string, unknown>;

/** cgroup v1 reports kernel and user time in USER_HZ ticks; runc turns them into nanoseconds. */
const NS_PER_TICK = 10_000_000n;

async function text(dir: string | undefined, file: string): Promise<string | undefined> {
  if (!dir) return undefined;
  return readFile(join(dir, file), 'utf8').catch(() => undefined);
}

function big(s: string | undefined): bigint {
  const t = s?.trim();
  return t && /^-?\d+$/.test(t) ? BigInt(t) : 0n;
}

function bigList(s: string | undefined): bigint[] {
  return (s ?? '').trim().split(/\s+/).filter((x) => /^\d+$/.test(x)).map(BigInt);
}

function keyValues(s: string | undefined): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of (s ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v && /^\d+$/.test(v)) out[k] = BigInt(v);
  }
  return out;
}

/** "0-2,5" as [0, 1, 2, 5]. */
function cpuList(s: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (s ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** Sets key to v unless v is zero or empty, as Go's omitempty leaves it out. */
function put(o: Record<string, unknown>, key: string, v: bigint | unknown[] | undefined): void {
  if (v === undefined || v === 0n || (Array.isArray(v) && v.length === 0)) return;
  o[key] = v;
}

async function memoryEntry(dir: string, prefix: string): Promise<Record<string, unknown> | undefined> {
  const limit = await text(dir, `${prefix}.limit_in_bytes`);
  if (limit === undefined) return undefined;
  const e: Record<string, unknown> = { limit: big(limit) };
  put(e, 'usage', big(await text(dir, `${prefix}.usage_in_bytes`)));
  put(e, 'max', big(await text(dir, `${prefix}.max_usage_in_bytes`)));
  e.failcnt = big(await text(dir, `${prefix}.failcnt`));
  return e;
}

/** "8:0 Read 4096" lines, with runc's names; the "Total" line is left out. */
function blkioEntries(s: string | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of (s ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!m) continue;
    const entry: Record<string, unknown> = { major: BigInt(m[1]!), minor: BigInt(m[2]!) };
    if (f.length === 3) entry.op = f[1];
    entry.value = BigInt(f[f.length - 1]!);
    out.push(entry);
  }
  return out;
}

async function blkioStats(dir: string | undefined): Promise<Record<string, unknown>> {
  const o: Record<string, unknown> = {};
  if (!dir) return o;
  // Like runc: the CFQ files where the kernel has them, else BFQ's, else the throttling layer's.
  const cfq = await text(dir, 'blkio.io_serviced_recursive');
  const bfq = cfq === undefined ? await text(dir, 'blkio.bfq.io_serviced_recursive') : undefined;
  const prefix = cfq !== undefined ? 'blkio.' : bfq !== undefined ? 'blkio.bfq.' : 'blkio.throttle.';
  put(o, 'io_service_bytes_recursive', blkioEntries(await text(dir, `${prefix}io_service_bytes_recursive`)));
  put(o, 'io_serviced_recursive', blkioEntries(await text(dir, `${prefix}io_serviced_recursive`)));
  if (cfq !== undefined) {
    for (const f of ['io_queued_recursive', 'io_service_time_recursive', 'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive']) {
      put(o, f === 'io_queued_recursive' ? 'io_queue_recursive' : f, blkioEntries(await text(dir, `blkio.${f}`)));
    }
  }
  return o;
}

async function v1Stats(d: Record<string, string>): Promise<RuncStats> {
  const cpuacct = d.cpuacct;
  const ticks = keyValues(await text(cpuacct, 'cpuacct.stat'));
  const usage: Record<string, unknown> = {};
  put(usage, 'total', big(await text(cpuacct, 'cpuacct.usage')));
  put(usage, 'percpu', bigList(await text(cpuacct, 'cpuacct.usage_percpu')));
  put(usage, 'percpu_kernel', bigList(await text(cpuacct, 'cpuacct.usage_percpu_sys')));
  put(usage, 'percpu_user', bigList(await text(cpuacct, 'cpuacct.usage_percpu_user')));
  usage.kernel = (ticks.system ?? 0n) * NS_PER_TICK;
  usage.user = (ticks.user ?? 0n) * NS_PER_TICK;
  const cs = keyValues(await text(d.cpu, 'cpu.stat'));
  const throttling: Record<string, unknown> = {};
  put(throttling, 'periods', cs.nr_periods);
  put(throttling, 'throttled_periods', cs.nr_throttled);
  put(throttling, 'throttled_time', cs.throttled_time);

  const data: RuncStats = { cpu: { usage, throttling } };
  const cpuset = d.cpuset;
  if (cpuset) {
    const n = async (f: string) => big(await text(cpuset, `cpuset.${f}`));
    const c: Record<string, unknown> = {};
    put(c, 'cpus', cpuList(await text(cpuset, 'cpuset.cpus')));
    c.cpu_exclusive = await n('cpu_exclusive');
    put(c, 'mems', cpuList(await text(cpuset, 'cpuset.mems')));
    c.mem_hardwall = await n('mem_hardwall');
    c.mem_exclusive = await n('mem_exclusive');
    c.memory_migrate = await n('memory_migrate');
    c.memory_spread_page = await n('memory_spread_page');
    c.memory_spread_slab = await n('memory_spread_slab');
    c.memory_pressure = await n('memory_pressure');
    c.sched_load_balance = await n('sched_load_balance');
    c.sched_relax_domain_level = await n('sched_relax_domain_level');
    data.cpuset = c;
  }
  const mem = d.memory;
  const memory: Record<string, unknown> = {};
  if (mem) {
    const raw = keyValues(await text(mem, 'memory.stat'));
    put(memory, 'cache', raw.cache);
    for (const [key, prefix] of [['usage', 'memory'], ['swap', 'memory.memsw'], ['kernel', 'memory.kmem'], ['kernelTCP', 'memory.kmem.tcp']] as const) {
      const e = await memoryEntry(mem, prefix);
      if (e) memory[key] = e;
    }
    if (Object.keys(raw).length) memory.raw = raw;
  }
  data.memory = memory;
  const pids: Record<string, unknown> = {};
  put(pids, 'current', big(await text(d.pids, 'pids.current')));
  put(pids, 'limit', big(await text(d.pids, 'pids.max')));
  data.pids = pids;
  data.blkio = await blkioStats(d.blkio);
  data.hugetlb = {};
  return data;
}

async function v2Stats(dir: string): Promise<RuncStats> {
  const cs = keyValues(await text(dir, 'cpu.stat'));
  const usage: Record<string, unknown> = {};
  put(usage, 'total', (cs.usage_usec ?? 0n) * 1000n);
  usage.kernel = (cs.system_usec ?? 0n) * 1000n;
  usage.user = (cs.user_usec ?? 0n) * 1000n;
  const throttling: Record<string, unknown> = {};
  put(throttling, 'periods', cs.nr_periods);
  put(throttling, 'throttled_periods', cs.nr_throttled);
  put(throttling, 'throttled_time', cs.throttled_usec === undefined ? undefined : cs.throttled_usec * 1000n);
  const limitOf = (s: string | undefined) => (s?.trim() === 'max' ? 0xffffffffffffffffn : big(s));
  const memUsage: Record<string, unknown> = { limit: limitOf(await text(dir, 'memory.max')) };
  put(memUsage, 'usage', big(await text(dir, 'memory.current')));
  put(memUsage, 'max', big(await text(dir, 'memory.peak')));
  memUsage.failcnt = keyValues(await text(dir, 'memory.events')).max ?? 0n;
  const swap: Record<string, unknown> = { limit: limitOf(await text(dir, 'memory.swap.max')) };
  put(swap, 'usage', big(await text(dir, 'memory.swap.current')));
  swap.failcnt = 0n;
  const raw = keyValues(await text(dir, 'memory.stat'));
  const memory: Record<string, unknown> = {};
  put(memory, 'cache', raw.file);
  Object.assign(memory, { usage: memUsage, swap, raw });
  const pids: Record<string, unknown> = {};
  put(pids, 'current', big(await text(dir, 'pids.current')));
  put(pids, 'limit', big(await text(dir, 'pids.max')));
  return { cpu: { usage, throttling }, memory, pids, blkio: {}, hugetlb: {} };
}

/** The container's counters, read now from its cgroup directories. */
export async function readRuncStats(setup: CgroupSetup, layout: CgroupLayout): Promise<RuncStats> {
  const data = layout.version === 2 ? await v2Stats(setup.controllerDirs.cpu ?? '') : await v1Stats(setup.controllerDirs);
  return { ...data, intel_rdt: {}, network_interfaces: null };
}

/** JSON with bigints written as plain digits. */
export function stringifyWithBigints(v: unknown): string {
  const marks: string[] = [];
  const json = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x !== 'bigint') return x;
    marks.push(x.toString());
    return `\u0000${marks.length - 1}\u0000`;
  });
  return json.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
