import { existsSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import type { OciMount, OciNamespaceType, OciProcess, OciSpec } from '../oci/runtime-spec.js';
import { type CgroupLayout, type CgroupSetup, cgroupSetup } from './cgroups.js';
import { CAPABILITIES, CLONE_NEW, MS, RLIMITS, S_IF } from './linux-constants.js';
import { parseMountOptions } from './mount-options.js';
import { type HookStateBase, hookRecords } from './hook-records.js';
import { hostMountOf, type MountEntry } from './mount-table.js';
import { HookStage, PlanConst, PlanOp } from './plan-codes.js';
import { RecordWriter } from './record-writer.js';

/**
 * Compiles an OCI config into the flat plan that native/runtime carries out, in runc's order:
 * cgroups, namespaces, mounts under the new root, devices, pivot_root, sysctls, read-only and masked paths,
 * session and terminal, user and capabilities, and finally the program.
 */

export interface InitPlanOptions {
  /** How to mount the root filesystem at spec.root.path (overlay from a snapshot); otherwise root.path is bind-mounted onto itself. */
  rootfsMount?: { type: string; source: string; options: string[] };
  cgroups: CgroupLayout;
  /** A fifo in the state directory: stop after setup until `start` opens it (create/start split). */
  startFifo?: string;
  /** A console socket to send a new pty's master to (berth-runner). */
  consoleSocket?: string;
  /** The mount root.path lives on, as the caller's mount table has it; read from /proc/self/mountinfo when not given. */
  rootMount?: MountEntry;
  /** The state the config's hooks read (id, bundle...); without it, a config with hooks is refused. */
  hookState?: HookStateBase;
  /** The compiled seccomp filter (BP_SECCOMP's payload), loaded where runc loads it. */
  seccomp?: Buffer;
}

export interface CompiledPlan {
  plan: Buffer;
  cgroups: CgroupSetup;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const nsOrder: OciNamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'mount', 'cgroup', 'time'];
const nsProcName: Record<OciNamespaceType, string> = {
  user: 'user', ipc: 'ipc', uts: 'uts', network: 'net', pid: 'pid', mount: 'mnt', cgroup: 'cgroup', time: 'time',
};

function capMask(names: readonly string[] = []): bigint {
  let m = 0n;
  for (const n of names) {
    const i = CAPABILITIES.indexOf(n.toUpperCase().startsWith('CAP_') ? n.toUpperCase() : `CAP_${n.toUpperCase()}`);
    if (i < 0) throw new InvalidArgument(`unknown capability "${n}"`);
    m |= 1n << BigInt(i);
  }
  return m;
}

function envPath(env: readonly string[]): string {
  const p = env.find((e) => e.startsWith('PATH='));
  return p ? p.slice(5) : DEFAULT_PATH;
}

/** The records that become the user, capabilities and program of a process. */
function processRecords(w: RecordWriter, proc: OciProcess, opts: { fifo?: boolean; seccomp?: Buffer }): void {
  // Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the user and capabilities
  // change, as runc loads it (so the filter also covers setgroups, setuid, capset and the fifo).
  if (opts.seccomp && !proc.noNewPrivileges) w.record(PlanOp.BP_SECCOMP, opts.seccomp);
  const caps = proc.capabilities;
  if (caps) w.record(PlanOp.BP_CAP_BOUNDING, { u64: capMask(caps.bounding) });
  if (proc.rlimits) {
    for (const r of proc.rlimits) {
      const res = RLIMITS[r.type];
      if (res === undefined) throw new InvalidArgument(`unknown rlimit "${r.type}"`);
      w.record(PlanOp.BP_RLIMIT, { u32: res }, { u64: r.soft }, { u64: r.hard });
    }
  }
  if (caps) w.record(PlanOp.BP_KEEPCAPS, { u32: 1 });
  const gids = proc.user.additionalGids ?? [];
  const groups = Buffer.alloc(gids.length * 4);
  gids.forEach((g, i) => groups.writeUInt32LE(g, i * 4));
  w.record(PlanOp.BP_SETGROUPS, groups);
  w.record(PlanOp.BP_SETGID, { u32: proc.user.gid });
  w.record(PlanOp.BP_SETUID, { u32: proc.user.uid });
  if (caps) {
    w.record(PlanOp.BP_KEEPCAPS, { u32: 0 });
    w.record(PlanOp.BP_CAPS, { u64: capMask(caps.effective) }, { u64: capMask(caps.permitted) },
      { u64: capMask(caps.inheritable) }, { u64: capMask(caps.ambient) });
  }
  // After the uid change, so that the user must be allowed into the directory.
  w.record(PlanOp.BP_CHDIR, proc.cwd || '/');
  w.record(PlanOp.BP_UMASK, { u32: proc.user.umask ?? 0o022 });
  if (proc.noNewPrivileges) w.record(PlanOp.BP_NO_NEW_PRIVS);
  const env = proc.env ?? [];
  for (const e of env) w.record(PlanOp.BP_ENV, e);
  const args = proc.args ?? [];
  if (args.length === 0) throw new InvalidArgument('the process has no args: nothing to run');
  for (const a of args) w.record(PlanOp.BP_ARG, a);
  w.record(PlanOp.BP_EXEC, envPath(env));
  if (opts.fifo) {
    w.record(PlanOp.BP_READY);
    w.record(PlanOp.BP_FIFO_WAIT);
  }
  if (opts.seccomp && proc.noNewPrivileges) w.record(PlanOp.BP_SECCOMP, opts.seccomp);
}

function consoleRecord(w: RecordWriter, proc: OciProcess): void {
  w.record(PlanOp.BP_CONSOLE_NEW, { u16: proc.consoleSize?.height ?? 0 }, { u16: proc.consoleSize?.width ?? 0 });
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A path inside the container's root as the plan carries it: relative, so that the C side resolves
 * it inside the root (BP_ROOT) and no symlink of the image can lead it out.
 */
function inRoot(path: string): string {
  const rel = posix.normalize(`/${path}`).slice(1);
  return rel === '' ? '.' : rel;
}

/** Mounts one OCI mount under the root, creating its mount point. */
function mountRecords(w: RecordWriter, m: OciMount, hasOwnNetns: boolean, deferred: (() => void)[]): void {
  const target = inRoot(m.destination);
  let type = m.type ?? '';
  let source = m.source ?? '';
  const parsed = parseMountOptions(m.options);
  let { flags } = parsed;
  let remountFlags = parsed.remountFlags;
  // sysfs cannot be mounted without a network namespace of one's own: take the host's, as runc does.
  // Not recursively: the host's submounts (its cgroup hierarchies) would come along read-write.
  if (type === 'sysfs' && !hasOwnNetns) {
    type = 'bind';
    source = '/sys';
    remountFlags = flags;
    flags = MS.BIND;
  }
  const isBind = type === 'bind' || (flags & MS.BIND) !== 0;
  if (isBind) flags |= MS.BIND;
  if (isBind && isFile(source)) {
    w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, inRoot(posix.dirname(`/${target}`)));
    w.record(PlanOp.BP_TOUCH, { u32: 0o644 }, target);
  } else {
    w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, target);
  }
  if (isBind) {
    w.record(PlanOp.BP_MOUNT, { u64: flags & (MS.BIND | MS.REC) }, source, target, '', '');
    if (remountFlags) w.record(PlanOp.BP_MOUNT, { u64: MS.BIND | MS.REMOUNT | remountFlags }, '', target, '', '');
  } else if (type === 'tmpfs' && flags & MS.RDONLY) {
    // As runc: a read-only tmpfs is mounted writable and made read-only at the mount point only,
    // later for /dev (its nodes are made first). The filesystem itself stays rw, as runc leaves it.
    w.record(PlanOp.BP_MOUNT, { u64: flags & ~MS.RDONLY }, source || type, target, type, parsed.data);
    const remount = { u64: MS.BIND | MS.REMOUNT | (flags & ~MS.REC) };
    if (target === inRoot('/dev')) deferred.push(() => w.record(PlanOp.BP_MOUNT, remount, '', target, '', ''));
    else w.record(PlanOp.BP_MOUNT, remount, '', target, '', '');
  } else {
    w.record(PlanOp.BP_MOUNT, { u64: flags }, source || type, target, type, parsed.data);
  }
  for (const p of parsed.propagation) w.record(PlanOp.BP_MOUNT, { u64: p }, '', target, '', '');
}

const defaultDevices: [string, number, number][] = [
  ['/dev/null', 1, 3], ['/dev/zero', 1, 5], ['/dev/full', 1, 7], ['/dev/random', 1, 8], ['/dev/urandom', 1, 9], ['/dev/tty', 5, 0],
];

/** Whether a mount is shared once "/" has had `rootProp` applied to it. */
function staysShared(m: MountEntry, rootProp: number): boolean {
  const changes = m.mountPoint === '/' || (rootProp & MS.REC) !== 0;
  if (!changes) return m.shared;
  if (rootProp & MS.SHARED) return true;
  return (rootProp & (MS.SLAVE | MS.PRIVATE | MS.UNBINDABLE)) === 0 && m.shared;
}

/** The plan that creates a container's first process. */
export function compileInitPlan(spec: OciSpec, opts: InitPlanOptions): CompiledPlan {
  const proc = spec.process;
  if (!proc) throw new InvalidArgument('the config has no process');
  const rootfs = spec.root?.path;
  if (!rootfs || !rootfs.startsWith('/')) throw new InvalidArgument('the config\'s root.path must be an absolute path');
  const linux = spec.linux ?? {};
  const w = new RecordWriter();

  let cloneFlags = 0;
  const joins: { type: OciNamespaceType; path: string }[] = [];
  for (const ns of linux.namespaces ?? []) {
    if (ns.path) joins.push({ type: ns.type, path: ns.path });
    else cloneFlags |= CLONE_NEW[ns.type];
  }
  const hasOwn = (t: OciNamespaceType) => (cloneFlags & CLONE_NEW[t]) !== 0;
  if (!hasOwn('mount')) throw new InvalidArgument('a container needs a mount namespace of its own');
  w.record(PlanOp.BP_CLONE_FLAGS, { u64: cloneFlags });
  if (opts.consoleSocket) w.record(PlanOp.BP_CONSOLE, opts.consoleSocket);
  const hasHooks = Object.values(spec.hooks ?? {}).some((l) => Array.isArray(l) && l.length > 0);
  if (hasHooks && !opts.hookState) throw new InvalidArgument('the config has hooks, but no state was given for them');
  const hookStages = opts.hookState ? hookRecords(w, spec.hooks, opts.hookState) : new Set<number>();

  // Cgroups first: what the process allocates from here on is accounted to the container.
  const cg = cgroupSetup(opts.cgroups, linux.cgroupsPath ?? '', linux.resources);
  for (const d of cg.dirs) w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, d);
  for (const [f, v] of cg.writes) w.record(PlanOp.BP_WRITE, f, v);
  for (const p of cg.procs) w.record(PlanOp.BP_WRITE, p, '0');

  joins.sort((a, b) => nsOrder.indexOf(a.type) - nsOrder.indexOf(b.type));
  for (const j of joins) w.record(PlanOp.BP_SETNS, { u32: CLONE_NEW[j.type] }, j.path);
  if (hasOwn('network')) w.record(PlanOp.BP_LINK_UP, 'lo');
  if (hasOwn('uts') && spec.hostname) w.record(PlanOp.BP_SETHOSTNAME, spec.hostname);
  if (hasOwn('uts') && spec.domainname) w.record(PlanOp.BP_SETDOMAINNAME, spec.domainname);

  // As runc: every mount a slave of the host's unless the config says otherwise, and the mount the
  // root lives on private if it would still be shared, so that nothing mounted from here on leaks
  // back to the host (and pivot_root, which refuses a shared parent, works).
  const rootProp = linux.rootfsPropagation ? (parseMountOptions([linux.rootfsPropagation]).propagation[0] ?? 0) : MS.SLAVE | MS.REC;
  if (!rootProp) throw new InvalidArgument(`invalid rootfsPropagation "${linux.rootfsPropagation}"`);
  w.record(PlanOp.BP_MOUNT, { u64: rootProp }, '', '/', '', '');
  const rootMount = opts.rootMount ?? hostMountOf(rootfs);
  if (rootMount && staysShared(rootMount, rootProp)) w.record(PlanOp.BP_MOUNT, { u64: MS.PRIVATE }, '', rootMount.mountPoint, '', '');
  if (opts.rootfsMount) {
    const m = opts.rootfsMount;
    w.record(PlanOp.BP_MOUNT, { u64: 0 }, m.source, rootfs, m.type, m.options.join(','));
  } else {
    w.record(PlanOp.BP_MOUNT, { u64: MS.BIND | MS.REC }, rootfs, rootfs, '', '');
  }
  // From here on, paths inside the container are resolved inside its root.
  w.record(PlanOp.BP_ROOT, rootfs);
  if (opts.startFifo) w.record(PlanOp.BP_FIFO_OPEN, opts.startFifo);

  const mounts = spec.mounts ?? [];
  const afterDevices: (() => void)[] = [];
  // As runc: a network namespace joined by path is not the host's, and sysfs can be mounted in it.
  const notHostNetns = hasOwn('network') || joins.some((j) => j.type === 'network');
  for (const m of mounts) mountRecords(w, m, notHostNetns, afterDevices);
  const devIsTmpfs = mounts.some((m) => m.destination === '/dev' && m.type === 'tmpfs');
  if (devIsTmpfs) {
    const devices = new Map<string, [number, number, number, number, number]>();
    for (const [path, major, minor] of defaultDevices) devices.set(path, [S_IF.CHR | 0o666, major, minor, 0, 0]);
    for (const d of linux.devices ?? []) {
      const kind = d.type === 'b' ? S_IF.BLK : d.type === 'p' ? S_IF.FIFO : S_IF.CHR;
      devices.set(d.path, [kind | (d.fileMode ?? 0o666), d.major ?? 0, d.minor ?? 0, d.uid ?? 0, d.gid ?? 0]);
    }
    for (const [path, [mode, major, minor, uid, gid]] of devices) {
      const parent = posix.dirname(path);
      if (parent !== '/dev' && parent !== '/') {
        w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, inRoot(parent));
      }
      w.record(PlanOp.BP_MKNOD, { u32: mode }, { u32: major }, { u32: minor }, { u32: uid }, { u32: gid }, inRoot(path));
    }
    const links: [string, string][] = [
      ['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr'],
      ['pts/ptmx', 'ptmx'],
      ...(existsSync('/proc/kcore') ? ([['/proc/kcore', 'core']] as [string, string][]) : []),
    ];
    for (const [target, name] of links) w.record(PlanOp.BP_SYMLINK, target, inRoot(`dev/${name}`));
    if (proc.terminal) w.record(PlanOp.BP_TOUCH, { u32: 0o600 }, inRoot('dev/console'));
  }
  for (const f of afterDevices) f();
  // runc creates a missing working directory.
  w.record(PlanOp.BP_MKDIR, { u32: 0o755 }, { u32: PlanConst.BP_MKDIR_PARENTS | PlanConst.BP_MKDIR_EXIST_OK }, inRoot(proc.cwd || '/'));

  // As runc: with the mounts in place, prestart and createRuntime hooks run in the runtime's
  // namespaces (the spawner runs them), then createContainer hooks here, in the container's.
  const parentStages = [HookStage.BP_HOOK_PRESTART, HookStage.BP_HOOK_CREATE_RUNTIME].filter((s) => hookStages.has(s));
  if (parentStages.length) w.record(PlanOp.BP_HOOKS_PARENT, ...parentStages.map((u32) => ({ u32 })));
  if (hookStages.has(HookStage.BP_HOOK_CREATE_CONTAINER)) w.record(PlanOp.BP_HOOKS_RUN, { u32: HookStage.BP_HOOK_CREATE_CONTAINER });

  w.record(PlanOp.BP_PIVOT_ROOT, rootfs);
  // The terminal comes from the container's own devpts, as runc makes it: the program sees /dev/pts/N.
  if (proc.terminal) {
    consoleRecord(w, proc);
    if (devIsTmpfs) w.record(PlanOp.BP_BIND_TTY, '/dev/console');
  }
  if (spec.root?.readonly) w.record(PlanOp.BP_MOUNT, { u64: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.REC }, '', '/', '', '');
  // Sysctls are written before /proc/sys is made read-only, as runc does.
  for (const [k, v] of Object.entries(linux.sysctl ?? {})) w.record(PlanOp.BP_WRITE, `/proc/sys/${k.replace(/\./g, '/')}`, v);
  if (proc.oomScoreAdj !== undefined) w.record(PlanOp.BP_WRITE, '/proc/self/oom_score_adj', String(proc.oomScoreAdj));
  for (const p of linux.readonlyPaths ?? []) w.record(PlanOp.BP_READONLY, p);
  for (const p of linux.maskedPaths ?? []) w.record(PlanOp.BP_MASK, p);

  w.record(PlanOp.BP_SETSID);
  if (proc.terminal) w.record(PlanOp.BP_SET_CTTY);
  processRecords(w, proc, { fifo: opts.startFifo !== undefined, ...(opts.seccomp ? { seccomp: opts.seccomp } : {}) });
  // Last, as runc: after `start`, under the container's user and filter, right before the program.
  if (hookStages.has(HookStage.BP_HOOK_START_CONTAINER)) w.record(PlanOp.BP_HOOKS_RUN, { u32: HookStage.BP_HOOK_START_CONTAINER });
  return { plan: w.toBuffer(), cgroups: cg };
}

export interface ExecPlanOptions {
  /** The container's first process, whose namespaces the new one joins. */
  initPid: number;
  /** The namespace types the container has (the rest are the host's). */
  namespaces: OciNamespaceType[];
  /** cgroup.procs files to join. */
  cgroupProcs: string[];
  /** The container's compiled seccomp filter: an exec runs under it, as runc's do. */
  seccomp?: Buffer;
}

/** The plan that starts another process in a running container (exec). */
export function compileExecPlan(proc: OciProcess, opts: ExecPlanOptions): Buffer {
  const w = new RecordWriter();
  // Join the cgroups while the host's /sys/fs/cgroup is still the one in view.
  for (const p of opts.cgroupProcs) w.record(PlanOp.BP_WRITE, p, '0');
  const types = nsOrder.filter((t) => opts.namespaces.includes(t) && t !== 'user');
  for (const t of types) w.record(PlanOp.BP_SETNS, { u32: CLONE_NEW[t] }, `/proc/${opts.initPid}/ns/${nsProcName[t]}`);
  // Joining a pid namespace applies to children only.
  if (types.includes('pid')) w.record(PlanOp.BP_FORK);
  if (proc.terminal) consoleRecord(w, proc);
  w.record(PlanOp.BP_SETSID);
  if (proc.terminal) w.record(PlanOp.BP_SET_CTTY);
  processRecords(w, proc, opts.seccomp ? { seccomp: opts.seccomp } : {});
  return w.toBuffer();
}
