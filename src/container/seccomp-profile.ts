import { release } from 'node:os';
import { InvalidArgument } from '../common/errors.js';
import type { OciSeccomp } from '../oci/runtime-spec.js';

/**
 * The seccomp section of a container's OCI config, chosen as dockerd chooses it: none for
 * `--privileged` or `--security-opt seccomp=unconfined`; the profile sent in `seccomp=<json>` (the
 * docker CLI reads the file and sends its content); else Berth's default profile. Either profile is
 * a list of rules that apply or not depending on the container's capabilities (its bounding set),
 * the machine's architecture and its kernel, and is resolved here into plain OCI rules.
 *
 * The default profile has the effect of Docker's (moby profiles/seccomp/default.json of v24): an
 * allow-list over a default of EPERM, so that whatever is not listed (keyrings, kernel modules,
 * mounts, namespaces, clocks, reboot...) fails as an unprivileged caller's attempt would; the
 * calls whose only guard is a capability become allowed with that capability. It is written as
 * Berth's own tables, grouped by what the calls do.
 */

/** When a rule applies: every condition listed must hold. */
export interface RuleCondition {
  /** Capabilities in the container's bounding set (all of them for `when`, any of them for `unless`). */
  caps?: string[];
  /** The machine's architecture, by Go's names (amd64, arm64...), as Docker's profile names them. */
  arches?: string[];
  /** The kernel is at least this version ("4.8"). */
  minKernel?: string;
}

export interface ProfileRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
  when?: RuleCondition;
  unless?: RuleCondition;
}

/** A profile before it is resolved against a container: OCI's fields, conditional rules. */
export interface ConditionalProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  /** Used as they are. */
  architectures?: string[];
  /** Per native architecture (OCI name), the architectures the filter covers on it. */
  archMap?: Record<string, string[]>;
  flags?: string[];
  listenerPath?: string;
  rules: ProfileRule[];
}

const EPERM = 1;
const ENOSYS = 38;

/* ---- Berth's default profile ---- */

/** Allowed to every container, by what they do. */
const ALLOWED: Record<string, string[]> = {
  'paths: look up, create, link, rename, remove, change mode, owner and times': [
    'access', 'faccessat', 'faccessat2', 'chdir', 'getcwd', 'umask', 'creat', 'open', 'openat', 'openat2', 'name_to_handle_at',
    'stat', 'stat64', 'lstat', 'lstat64', 'newfstatat', 'fstatat64', 'statx', 'statfs', 'statfs64', 'readlink', 'readlinkat',
    'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat',
    'rename', 'renameat', 'renameat2', 'truncate', 'truncate64', 'chmod', 'fchmodat', 'chown', 'chown32', 'lchown', 'lchown32',
    'fchownat', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  ],
  'open files: read, write, seek, copy, sync, lock, control': [
    'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2', 'lseek', '_llseek',
    'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'ioctl', 'flock', 'fstat', 'fstat64', 'fstatfs', 'fstatfs64',
    'fchdir', 'fchmod', 'fchown', 'fchown32', 'ftruncate', 'ftruncate64', 'fallocate', 'fadvise64', 'fadvise64_64', 'readahead',
    'getdents', 'getdents64', 'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'copy_file_range', 'sendfile',
    'sendfile64', 'splice', 'tee', 'vmsplice',
  ],
  'extended attributes': [
    'getxattr', 'lgetxattr', 'fgetxattr', 'setxattr', 'lsetxattr', 'fsetxattr', 'listxattr', 'llistxattr', 'flistxattr',
    'removexattr', 'lremovexattr', 'fremovexattr',
  ],
  'waiting for events: poll, select, epoll, eventfd, signalfd, inotify, fanotify marks': [
    'poll', 'ppoll', 'ppoll_time64', 'select', '_newselect', 'pselect6', 'pselect6_time64', 'epoll_create', 'epoll_create1',
    'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2',
    'signalfd', 'signalfd4', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
  ],
  'asynchronous I/O and I/O priorities': [
    'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
    'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'ioprio_get', 'ioprio_set',
  ],
  'memory': [
    'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages', 'mlock', 'mlock2',
    'mlockall', 'munlock', 'munlockall', 'membarrier', 'memfd_create', 'memfd_secret', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  ],
  'processes and threads: run, exit, wait, identify, limit, futexes': [
    'execve', 'execveat', 'fork', 'vfork', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid', 'getpid', 'getppid', 'gettid',
    'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid', 'set_tid_address', 'get_robust_list', 'set_robust_list', 'rseq',
    'futex', 'futex_time64', 'futex_waitv', 'get_thread_area', 'set_thread_area', 'pidfd_open', 'pidfd_send_signal',
    'process_mrelease', 'prctl', 'capget', 'capset', 'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage',
    'getpriority', 'setpriority', 'restart_syscall',
  ],
  'signals': [
    'kill', 'tkill', 'tgkill', 'rt_sigaction', 'rt_sigprocmask', 'sigprocmask', 'rt_sigpending', 'rt_sigsuspend', 'rt_sigreturn',
    'sigreturn', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'sigaltstack', 'pause',
    'alarm',
  ],
  'clocks and timers (reading; adjtimex and clock_adjtime only change a clock with CAP_SYS_TIME)': [
    'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'clock_nanosleep',
    'clock_nanosleep_time64', 'nanosleep', 'adjtimex', 'clock_adjtime', 'clock_adjtime64', 'times', 'getitimer', 'setitimer',
    'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
    'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64',
  ],
  'scheduling': [
    'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr', 'sched_getparam', 'sched_setparam',
    'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval',
    'sched_rr_get_interval_time64', 'getcpu',
  ],
  'user and group ids': [
    'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32', 'getresuid', 'getresuid32',
    'getresgid', 'getresgid32', 'getgroups', 'getgroups32', 'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32',
    'setregid', 'setregid32', 'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid',
    'setfsgid32', 'setgroups', 'setgroups32',
  ],
  'sockets (socket itself is below: not every family)': [
    'socketpair', 'socketcall', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown', 'getsockname', 'getpeername',
    'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg', 'recvmmsg',
    'recvmmsg_time64',
  ],
  'pipes, System V and POSIX IPC (in the container\'s IPC namespace)': [
    'pipe', 'pipe2', 'ipc', 'msgget', 'msgctl', 'msgsnd', 'msgrcv', 'semget', 'semctl', 'semop', 'semtimedop', 'semtimedop_time64',
    'shmget', 'shmctl', 'shmat', 'shmdt', 'mq_open', 'mq_unlink', 'mq_getsetattr', 'mq_notify', 'mq_timedsend',
    'mq_timedsend_time64', 'mq_timedreceive', 'mq_timedreceive_time64',
  ],
  'about the system, randomness, and confining oneself further': [
    'uname', 'sysinfo', 'getrandom', 'seccomp', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  ],
};

/** Allowed with a capability of the bounding set: the kernel's own check on them is that capability. */
const BY_CAPABILITY: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
    'unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd', 'fanotify_init',
    'lookup_dcookie', 'bpf', 'perf_event_open', 'syslog',
  ],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_NICE: ['mbind', 'set_mempolicy', 'get_mempolicy'],
  CAP_SYS_RAWIO: ['ioperm', 'iopl'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/** Calls that only exist, or are only needed, on some architectures (Go's names). */
const BY_ARCHITECTURE: [string[], string[]][] = [
  [['amd64', 'x32'], ['arch_prctl']],
  [['amd64', 'x32', 'x86'], ['modify_ldt']],
  [['arm', 'arm64'], ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls']],
  [['ppc64le'], ['sync_file_range2', 'swapcontext']],
  [['s390', 's390x'], ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr']],
  [['riscv64'], ['riscv_flush_icache']],
];

/** The namespace flags of clone: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** personality(2) personas that do not weaken the process: Linux, UNAME26, ADDR_NO_RANDOMIZE, both, and the query. */
const PERSONAS = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

const AF_VSOCK = 40;

const allow = (names: string[], more: Omit<ProfileRule, 'names' | 'action'> = {}): ProfileRule => ({ names, action: 'SCMP_ACT_ALLOW', ...more });

/** Berth's default profile, before it meets a container. */
export function builtinProfile(): ConditionalProfile {
  const s390 = ['s390', 's390x'];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    // Each machine also runs its compat ABIs: i386 and x32 on x86_64, arm on aarch64, ...
    archMap: {
      SCMP_ARCH_X86_64: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      SCMP_ARCH_AARCH64: ['SCMP_ARCH_ARM'],
      SCMP_ARCH_MIPS64: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'],
      SCMP_ARCH_MIPS64N32: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'],
      SCMP_ARCH_MIPSEL64: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'],
      SCMP_ARCH_MIPSEL64N32: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'],
      SCMP_ARCH_S390X: ['SCMP_ARCH_S390'],
      SCMP_ARCH_RISCV64: [],
    },
    rules: [
      allow(Object.values(ALLOWED).flat()),
      // Since 4.8 a tracer cannot bypass the tracee's filter, so ptrace no longer escapes it.
      allow(['ptrace', 'process_vm_readv', 'process_vm_writev'], { when: { minKernel: '4.8' } }),
      // Sockets of every family but vsock, which reaches the hypervisor's host.
      allow(['socket'], { args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] }),
      ...PERSONAS.map((p) => allow(['personality'], { args: [{ index: 0, value: p, op: 'SCMP_CMP_EQ' }] })),
      ...BY_ARCHITECTURE.map(([arches, names]) => allow(names, { when: { arches } })),
      ...Object.entries(BY_CAPABILITY).map(([cap, names]) => allow(names, { when: { caps: [cap] } })),
      // Without CAP_SYS_ADMIN: new threads and processes, but no new namespaces (s390 swaps clone's
      // first two arguments). clone3 passes its flags in memory, out of a filter's reach: ENOSYS
      // makes the C library fall back to clone.
      allow(['clone'], {
        args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }],
        unless: { caps: ['CAP_SYS_ADMIN'], arches: s390 },
      }),
      allow(['clone'], {
        args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, op: 'SCMP_CMP_MASKED_EQ' }],
        when: { arches: s390 },
        unless: { caps: ['CAP_SYS_ADMIN'] },
      }),
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, unless: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  };
}

/* ---- Docker's profile format (what `--security-opt seccomp=<json>` carries) ---- */

interface DockerCondition {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string | null;
}

interface DockerSyscall {
  name?: string;
  names?: string[] | null;
  action: string;
  errnoRet?: number | null;
  args?: ({ index: number; value: number; valueTwo?: number; op: string } | null)[] | null;
  includes?: DockerCondition | null;
  excludes?: DockerCondition | null;
}

interface DockerProfile {
  defaultAction?: string;
  defaultErrnoRet?: number | null;
  architectures?: string[] | null;
  archMap?: ({ architecture: string; subArchitectures?: string[] | null } | null)[] | null;
  flags?: string[] | null;
  listenerPath?: string;
  syscalls?: (DockerSyscall | null)[] | null;
}

const condition = (c: DockerCondition | null | undefined): RuleCondition | undefined =>
  c ? { ...(c.caps?.length ? { caps: c.caps } : {}), ...(c.arches?.length ? { arches: c.arches } : {}), ...(c.minKernel ? { minKernel: c.minKernel } : {}) } : undefined;

/** A profile in Docker's JSON format; undefined when it has neither a default action nor rules (moby: no filter). */
export function parseDockerProfile(text: string): ConditionalProfile | undefined {
  let p: DockerProfile;
  try {
    p = JSON.parse(text) as DockerProfile;
  } catch (err) {
    throw new InvalidArgument(`Decoding seccomp profile failed: ${(err as Error).message}`, { cause: err });
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new InvalidArgument('Decoding seccomp profile failed: not a JSON object');
  const syscalls = (p.syscalls ?? []).filter((s): s is DockerSyscall => s !== null);
  if (!p.defaultAction && syscalls.length === 0) return undefined;
  if (p.architectures?.length && p.archMap?.length) {
    throw new InvalidArgument("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const rules = syscalls.map((s): ProfileRule => {
    if (s.name && s.names?.length) throw new InvalidArgument("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
    const when = condition(s.includes);
    const unless = condition(s.excludes);
    const args = (s.args ?? []).filter((a): a is NonNullable<typeof a> => a !== null);
    return {
      names: s.name ? [s.name] : (s.names ?? []),
      action: s.action,
      ...(typeof s.errnoRet === 'number' ? { errnoRet: s.errnoRet } : {}),
      ...(args.length ? { args } : {}),
      ...(when ? { when } : {}),
      ...(unless ? { unless } : {}),
    };
  });
  const archMap: Record<string, string[]> = {};
  for (const a of p.archMap ?? []) if (a) archMap[a.architecture] = [...(archMap[a.architecture] ?? []), ...(a.subArchitectures ?? [])];
  return {
    defaultAction: p.defaultAction ?? '',
    ...(typeof p.defaultErrnoRet === 'number' ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(p.architectures?.length ? { architectures: p.architectures } : {}),
    ...(p.archMap?.length ? { archMap } : {}),
    ...(p.flags?.length ? { flags: p.flags } : {}),
    ...(p.listenerPath ? { listenerPath: p.listenerPath } : {}),
    rules,
  };
}

/* ---- Resolving a profile against a container ---- */

export interface Machine {
  /** Go's name of the machine's architecture (amd64, arm64...). */
  arch: string;
  /** The kernel's release ("6.1.0-18-amd64"). */
  kernel: string;
}

const goArches: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64' };
/** OCI's name of the native architecture, by Go's. */
const nativeArches: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', '386': 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM', ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64', mips64le: 'SCMP_ARCH_MIPSEL64', loong64: 'SCMP_ARCH_LOONGARCH64',
};

export function thisMachine(): Machine {
  return { arch: goArches[process.arch] ?? process.arch, kernel: release() };
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const want = /^(\d+)\.(\d+)$/.exec(min);
  if (!want) throw new InvalidArgument(`invalid kernel version in the seccomp profile: "${min}"`);
  const [major = 0, minor = 0] = kernel.split(/[.-]/).map(Number);
  return major > Number(want[1]) || (major === Number(want[1]) && minor >= Number(want[2]));
}

function applies(r: ProfileRule, bounding: ReadonlySet<string>, m: Machine): boolean {
  const u = r.unless;
  if (u?.arches?.includes(m.arch) || u?.caps?.some((c) => bounding.has(c)) || (u?.minKernel && kernelAtLeast(m.kernel, u.minKernel))) return false;
  const w = r.when;
  if (w?.arches && !w.arches.includes(m.arch)) return false;
  if (w?.caps && !w.caps.every((c) => bounding.has(c))) return false;
  if (w?.minKernel && !kernelAtLeast(m.kernel, w.minKernel)) return false;
  return true;
}

/** The OCI section of a profile for a container with these capabilities in its bounding set, on this machine. */
export function resolveProfile(p: ConditionalProfile, bounding: readonly string[], machine: Machine = thisMachine()): OciSeccomp {
  const caps = new Set(bounding.map((c) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`)));
  const native = nativeArches[machine.arch];
  const architectures = [...(p.architectures ?? []), ...(native && p.archMap?.[native] ? [native, ...p.archMap[native]] : [])];
  const syscalls = p.rules.filter((r) => applies(r, caps, machine)).map((r) => ({
    names: r.names,
    action: r.action,
    ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
    ...(r.args?.length ? { args: r.args } : {}),
  }));
  return {
    defaultAction: p.defaultAction,
    ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(p.flags?.length ? { flags: p.flags } : {}),
    ...(p.listenerPath ? { listenerPath: p.listenerPath } : {}),
    syscalls,
  } as OciSeccomp;
}

/** The value of the last `seccomp=` (or deprecated `seccomp:`) security option, as dockerd reads it. */
export function seccompOption(securityOpt: readonly string[]): string | undefined {
  let value: string | undefined;
  for (const o of securityOpt) {
    const m = /^seccomp[=:]([\s\S]*)$/.exec(o);
    if (m) value = m[1];
  }
  return value;
}

export interface SeccompProfileInputs {
  securityOpt: readonly string[];
  privileged: boolean;
  /** The container's bounding set: the capabilities the profile may allow calls for. */
  bounding: readonly string[];
  machine?: Machine;
}

/** The container's seccomp section, or undefined for none (privileged, unconfined, or an empty profile). */
export function seccompProfile(i: SeccompProfileInputs): OciSeccomp | undefined {
  if (i.privileged) return undefined;
  const opt = seccompOption(i.securityOpt);
  if (opt === 'unconfined') return undefined;
  const profile = opt === undefined || opt === '' || opt === 'builtin' ? builtinProfile() : parseDockerProfile(opt);
  return profile && resolveProfile(profile, i.bounding, i.machine);
}
