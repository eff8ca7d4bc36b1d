import { basename, join } from 'node:path';
import { InvalidArgument } from '../../common/errors.js';
import type { OciSpec } from '../../oci/runtime-spec.js';
import { type CgroupLayout, type CgroupSetup, cgroupSetup } from '../cgroups.js';
import { PlanConst, PlanOp } from '../plan-codes.js';
import { RecordWriter } from '../record-writer.js';
import type { CgroupHierarchy } from './cgroup-hierarchies.js';

/** Where a container's cgroups are and the plan records that make them. */
export interface ContainerCgroups {
  /** The layout to compile the init plan with: each controller's directory that `path` is relative to. */
  layout: CgroupLayout;
  /** The cgroupsPath to compile the plan with. */
  path: string;
  /** What compileInitPlan makes of layout and path. */
  setup: CgroupSetup;
  /** Records to run before the compiled plan: the hierarchies cgroupSetup leaves out. */
  extraRecords: Buffer;
  /** Every directory to remove on delete, and every cgroup.procs an exec joins. */
  leaves: string[];
  procs: string[];
  /** The container's directory in each v1 hierarchy, named as runc names its bind under /sys/fs/cgroup. */
  v1Dirs: { name: string; dir: string }[];
  /** Its directory in the cgroup2 hierarchy, if the host has one. */
  unifiedDir?: string;
}

/** systemd's "slice:prefix:name" as the cgroupfs path systemd would give it (what --systemd-cgroup means). */
export function systemdCgroupPath(raw: string): string {
  const parts = raw.split(':');
  if (parts.length !== 3) {
    throw new InvalidArgument(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${raw}" instead`);
  }
  const [slice, prefix, name] = parts as [string, string, string];
  // "a-b.slice" lives in "a.slice": every dash-separated prefix is a parent slice.
  const s = slice || 'system.slice';
  const stem = s.replace(/\.slice$/, '');
  const words = stem.split('-');
  const slices = words.map((_, i) => `${words.slice(0, i + 1).join('-')}.slice`);
  const unit = prefix ? `${prefix}-${name}.scope` : name;
  return `/${[...(stem === '-' ? [] : slices), unit].join('/')}`;
}

/**
 * Places a container in every cgroup hierarchy, as runc does: an absolute cgroupsPath is taken
 * from each hierarchy's root, a relative one (or the container id, when there is none) from the
 * cgroup of the runtime itself. cgroupSetup covers the controllers Berth sets limits with; the
 * other hierarchies (cpuset without limits, name=systemd, the cgroup2 one of a hybrid host) are
 * created and joined by records of their own, so that /proc/self/cgroup reads as under runc.
 */
export function containerCgroups(
  spec: OciSpec,
  opts: { id: string; systemd: boolean; layout: CgroupLayout; hierarchies: CgroupHierarchy[] },
): ContainerCgroups {
  const raw = spec.linux?.cgroupsPath ?? '';
  const given = opts.systemd && raw ? systemdCgroupPath(raw) : raw;
  const absolute = given.startsWith('/');
  const path = absolute ? given : `/${given || opts.id}`;
  const base = (h: CgroupHierarchy) => (absolute ? h.mountPoint : h.ownDir);

  const controllers = new Map<string, string>();
  for (const [ctrl, mount] of opts.layout.controllers) {
    const h = opts.hierarchies.find((x) => x.version === 1 && x.mountPoint === mount);
    controllers.set(ctrl, h ? base(h) : mount);
  }
  const named = new Map<string, string>();
  for (const [name, mount] of opts.layout.named) {
    const h = opts.hierarchies.find((x) => x.version === 1 && x.mountPoint === mount);
    named.set(name, h ? base(h) : mount);
  }
  const v2 = opts.hierarchies.find((h) => h.version === 2);
  const layout: CgroupLayout = { ...opts.layout, controllers, named, unified: v2 ? base(v2) : opts.layout.unified };
  const setup = cgroupSetup(layout, path, spec.linux?.resources);

  const w = new RecordWriter();
  const leaves = [...setup.leaves];
  const procs = [...setup.procs];
  const v1Dirs: { name: string; dir: string }[] = [];
  let unifiedDir: string | undefined;
  for (const h of opts.hierarchies) {
    const dir = join(base(h), path);
    if (h.version === 1) v1Dirs.push({ name: basename(h.mountPoint), dir });
    else unifiedDir = dir;
    // cgroupSetup has every controller's and named hierarchy (cpuset seeded there): what is left is cgroup2's.
    if (setup.dirs.includes(dir)) continue;
    w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, dir);
    // v1 through tasks (the one thread of a new process: no RCU grace period); v2 has only cgroup.procs.
    const joinFile = h.version === 1 ? 'tasks' : 'cgroup.procs';
    w.record(PlanOp.BP_WRITE, join(dir, joinFile), '0');
    leaves.push(dir);
    procs.push(join(dir, joinFile));
  }
  return { layout, path, setup, extraRecords: w.toBuffer(), leaves, procs, v1Dirs, unifiedDir };
}
