import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OciResources } from '../oci/runtime-spec.js';

/**
 * Where the cgroup hierarchies are. cgroup v1 has one mount per controller (or per group of
 * controllers); a unified-only machine has one cgroup2 mount. A hybrid machine (v1 controllers
 * plus cgroup2 at /sys/fs/cgroup/unified with no controllers) is driven as v1, as runc does.
 */
export interface CgroupLayout {
  version: 1 | 2;
  /** v1: controller → mount point. */
  controllers: Map<string, string>;
  /** v1: named hierarchies without controllers (name=systemd) → mount point. */
  named: Map<string, string>;
  /** v2: the cgroup2 mount point. */
  unified: string;
  /** v1: memory+swap accounting is on (memory.memsw.* exist). */
  hasSwapAccounting: boolean;
}

/** Reads the layout from mountinfo text (/proc/self/mountinfo). */
export function parseCgroupLayout(mountinfo: string, exists: (p: string) => boolean): CgroupLayout {
  const controllers = new Map<string, string>();
  const named = new Map<string, string>();
  let unified = '';
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const mountPoint = pre[4];
    if (!mountPoint) continue;
    if (post[0] === 'cgroup2') {
      unified = mountPoint;
    } else if (post[0] === 'cgroup') {
      for (const opt of (post[2] ?? '').split(',')) {
        if (opt.startsWith('name=')) named.set(opt.slice(5), mountPoint);
        if (['rw', 'ro'].includes(opt) || opt.includes('=')) continue;
        controllers.set(opt, mountPoint);
      }
    }
  }
  const memory = controllers.get('memory');
  return {
    version: controllers.size > 0 ? 1 : 2,
    controllers,
    named,
    unified,
    hasSwapAccounting: memory !== undefined && exists(join(memory, 'memory.memsw.limit_in_bytes')),
  };
}

let cached: CgroupLayout | undefined;

export function hostCgroupLayout(): CgroupLayout {
  if (!cached) {
    const exists = (p: string) => {
      try {
        readFileSync(p);
        return true;
      } catch {
        return false;
      }
    };
    cached = parseCgroupLayout(readFileSync('/proc/self/mountinfo', 'utf8'), exists);
  }
  return cached;
}

/** What setting up a container's cgroups takes: carried out by the plan, undone by the shim. */
export interface CgroupSetup {
  /** Directories to create, parents first; the leaves are removed after the exit. */
  dirs: string[];
  leaves: string[];
  /** Files to write, in order, before joining. */
  writes: [path: string, value: string][];
  /**
   * Files the new process joins by writing "0". On v1 these are `tasks`: moving the one thread
   * of a fresh process is the same move, but cgroup.procs takes the threadgroup rwsem for writing,
   * which waits for an RCU grace period (~7 ms here) unless another move happened just before.
   */
  procs: string[];
  /** Read after the exit to tell an OOM kill. */
  oomFile?: string;
  /** Where pause writes FROZEN/THAWED (v1) or 1/0 (v2). */
  freezeFile?: string;
  /** A file listing the pids of the cgroup (for top). */
  procsFile?: string;
  /** v1: each controller's directory of the container; v2: every controller in the one directory. */
  controllerDirs: Record<string, string>;
}

/** The v1 hierarchies a container joins: every controller Docker uses, as runc places it. */
const v1Controllers = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio', 'devices'];

function deviceRule(r: NonNullable<OciResources['devices']>[number]): string {
  const n = (v: number | null | undefined) => (v === undefined || v === null || v < 0 ? '*' : String(v));
  return `${r.type ?? 'a'} ${n(r.major)}:${n(r.minor)} ${r.access ?? 'rwm'}`;
}

/** Compiles a cgroups path and resources into the steps of a plan. */
export function cgroupSetup(layout: CgroupLayout, cgroupsPath: string, res: OciResources = {}): CgroupSetup {
  const rel = cgroupsPath.startsWith('/') ? cgroupsPath : `/${cgroupsPath}`;
  const setup: CgroupSetup = { dirs: [], leaves: [], writes: [], procs: [], controllerDirs: {} };
  if (layout.version === 2) {
    const dir = join(layout.unified, rel);
    setup.dirs.push(dir);
    setup.leaves.push(dir);
    const w = (f: string, v: string) => setup.writes.push([join(dir, f), v]);
    if (res.memory?.limit !== undefined && res.memory.limit > 0) w('memory.max', String(res.memory.limit));
    if (res.memory?.reservation) w('memory.low', String(res.memory.reservation));
    if (res.memory?.swap !== undefined && res.memory.swap > 0 && res.memory.limit) {
      w('memory.swap.max', String(Math.max(0, res.memory.swap - res.memory.limit)));
    }
    if (res.cpu?.quota !== undefined && res.cpu.quota > 0) w('cpu.max', `${res.cpu.quota} ${res.cpu.period ?? 100000}`);
    if (res.cpu?.shares) w('cpu.weight', String(Math.round(1 + ((res.cpu.shares - 2) * 9999) / 262142)));
    if (res.cpu?.cpus) w('cpuset.cpus', res.cpu.cpus);
    if (res.pids) w('pids.max', res.pids.limit > 0 ? String(res.pids.limit) : 'max');
    for (const [k, v] of Object.entries(res.unified ?? {})) w(k, v);
    setup.procs.push(join(dir, 'cgroup.procs'));
    for (const c of ['cpu', 'memory', 'pids', 'io', 'cpuset']) setup.controllerDirs[c] = dir;
    setup.freezeFile = join(dir, 'cgroup.freeze');
    setup.procsFile = join(dir, 'cgroup.procs');
    setup.oomFile = join(dir, 'memory.events');
    return setup;
  }
  const seen = new Set<string>();
  const mounts = [
    ...v1Controllers.map((c) => layout.controllers.get(c)),
    // Named hierarchies (systemd's) have no controller, but /proc/self/cgroup shows them.
    ...layout.named.values(),
  ];
  for (const mount of mounts) {
    if (!mount) continue;
    const dir = join(mount, rel);
    if (seen.has(dir)) continue;
    seen.add(dir);
    setup.dirs.push(dir);
    setup.leaves.push(dir);
    setup.procs.push(join(dir, 'tasks'));
  }
  const dirOf = (ctrl: string) => {
    const m = layout.controllers.get(ctrl);
    return m ? join(m, rel) : undefined;
  };
  for (const ctrl of v1Controllers) {
    const d = dirOf(ctrl);
    if (d) setup.controllerDirs[ctrl] = d;
  }
  const w = (ctrl: string, f: string, v: string) => {
    const d = dirOf(ctrl);
    if (d) setup.writes.push([join(d, f), v]);
  };
  const cpuset = dirOf('cpuset');
  if (cpuset) {
    // A new v1 cpuset takes no tasks until it has cpus and mems: each new level copies those of
    // the nearest level that exists (the parents are written first, a child's must fit in them).
    const missing: string[] = [];
    let d = cpuset;
    while (!existsSync(d)) {
      missing.unshift(d);
      d = dirname(d);
    }
    const cpus = readFileSync(join(d, 'cpuset.cpus'), 'utf8').trim();
    const mems = readFileSync(join(d, 'cpuset.mems'), 'utf8').trim();
    for (const m of missing) {
      setup.writes.push([join(m, 'cpuset.cpus'), m === cpuset && res.cpu?.cpus ? res.cpu.cpus : cpus]);
      setup.writes.push([join(m, 'cpuset.mems'), m === cpuset && res.cpu?.mems ? res.cpu.mems : mems]);
    }
    if (!missing.includes(cpuset)) {
      if (res.cpu?.cpus) w('cpuset', 'cpuset.cpus', res.cpu.cpus);
      if (res.cpu?.mems) w('cpuset', 'cpuset.mems', res.cpu.mems);
    }
  }
  const mem = res.memory;
  if (mem?.limit !== undefined && mem.limit > 0) w('memory', 'memory.limit_in_bytes', String(mem.limit));
  if (mem?.swap !== undefined && mem.swap !== 0 && layout.hasSwapAccounting) {
    w('memory', 'memory.memsw.limit_in_bytes', String(mem.swap));
  }
  if (mem?.reservation) w('memory', 'memory.soft_limit_in_bytes', String(mem.reservation));
  if (mem?.swappiness !== undefined && mem.swappiness >= 0 && mem.swappiness <= 100) {
    w('memory', 'memory.swappiness', String(mem.swappiness));
  }
  if (mem?.disableOOMKiller) w('memory', 'memory.oom_control', '1');
  if (res.cpu?.shares) w('cpu', 'cpu.shares', String(res.cpu.shares));
  if (res.cpu?.period) w('cpu', 'cpu.cfs_period_us', String(res.cpu.period));
  if (res.cpu?.quota !== undefined && res.cpu.quota !== 0) w('cpu', 'cpu.cfs_quota_us', String(res.cpu.quota));
  if (res.pids) w('pids', 'pids.max', res.pids.limit > 0 ? String(res.pids.limit) : 'max');
  if (res.blockIO?.weight) w('blkio', 'blkio.weight', String(res.blockIO.weight));
  for (const rule of res.devices ?? []) {
    w('devices', rule.allow ? 'devices.allow' : 'devices.deny', deviceRule(rule));
  }
  const memDir = dirOf('memory');
  if (memDir) setup.oomFile = join(memDir, 'memory.oom_control');
  const freezer = dirOf('freezer');
  if (freezer) setup.freezeFile = join(freezer, 'freezer.state');
  const pids = dirOf('pids') ?? dirOf('memory');
  if (pids) setup.procsFile = join(pids, 'cgroup.procs');
  return setup;
}

/** Whether the recorded OOM file content says the kernel killed a process for memory. */
export function wasOomKilled(content: string): boolean {
  const m = /^oom_kill (\d+)$/m.exec(content);
  return m !== null && Number(m[1]) > 0;
}

/**
 * Changes the limits of a running container (docker update): the same files a start writes. A
 * memory limit above the current memory+swap limit must follow it, one below must precede it.
 */
export async function applyResources(layout: CgroupLayout, cgroupsPath: string, res: OciResources): Promise<void> {
  const writes = cgroupSetup(layout, cgroupsPath, res).writes.filter(([f]) => !/cpuset\.(cpus|mems)$/.test(f) || res.cpu?.cpus || res.cpu?.mems);
  const isSwap = (f: string) => f.endsWith('memory.memsw.limit_in_bytes');
  const apply = async (list: [string, string][]) => {
    for (const [f, v] of list) await writeFile(f, v);
  };
  try {
    await apply(writes);
  } catch (err) {
    if (!writes.some(([f]) => isSwap(f))) throw err;
    // Retry with memory+swap before memory.
    const swapFirst = [...writes.filter(([f]) => isSwap(f)), ...writes.filter(([f]) => !isSwap(f))];
    await apply(swapFirst);
  }
}

/** Freezes or thaws every process of the cgroup. */
export async function setFrozen(setup: CgroupSetup, layout: CgroupLayout, frozen: boolean): Promise<void> {
  if (!setup.freezeFile) throw new Error('the freezer cgroup is not mounted');
  await writeFile(setup.freezeFile, layout.version === 1 ? (frozen ? 'FROZEN' : 'THAWED') : frozen ? '1' : '0');
  if (layout.version === 1 && frozen) {
    // FREEZING becomes FROZEN once every task has stopped.
    for (let i = 0; i < 1000; i++) {
      const s = (await readFile(setup.freezeFile, 'utf8')).trim();
      if (s === 'FROZEN') return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

/** The pids in the container's cgroup. */
export async function cgroupPids(setup: CgroupSetup): Promise<number[]> {
  if (!setup.procsFile) return [];
  const text = await readFile(setup.procsFile, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}
