/** Linux ABI numbers the plan carries: mount flags, clone flags, capabilities, rlimits. */

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128,
  NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192, REC: 16384, SILENT: 32768,
  UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21, STRICTATIME: 1 << 24,
} as const;

export const MNT_DETACH = 2;

export const CLONE_NEW = {
  mount: 0x00020000, uts: 0x04000000, ipc: 0x08000000, user: 0x10000000, pid: 0x20000000,
  network: 0x40000000, cgroup: 0x02000000, time: 0x00000080,
} as const;

/** Capability numbers from linux/capability.h. */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export const S_IF = { CHR: 0o020000, BLK: 0o060000, FIFO: 0o010000 } as const;

/** errno names for messages, as Go's syscall.Errno.Error() words them (what runc prints). */
export const ERRNO_TEXT: Record<number, string> = {
  1: 'operation not permitted', 2: 'no such file or directory', 3: 'no such process', 4: 'interrupted system call',
  5: 'input/output error', 7: 'argument list too long', 8: 'exec format error', 9: 'bad file descriptor',
  11: 'resource temporarily unavailable', 12: 'cannot allocate memory', 13: 'permission denied', 14: 'bad address',
  16: 'device or resource busy', 17: 'file exists', 18: 'invalid cross-device link', 19: 'no such device',
  20: 'not a directory', 21: 'is a directory', 22: 'invalid argument', 23: 'too many open files in system',
  24: 'too many open files', 25: 'inappropriate ioctl for device', 26: 'text file busy', 27: 'file too large',
  28: 'no space left on device', 30: 'read-only file system', 31: 'too many links', 32: 'broken pipe',
  36: 'file name too long', 38: 'function not implemented', 39: 'directory not empty', 40: 'too many levels of symbolic links',
  71: 'protocol error', 90: 'message too long', 95: 'operation not supported', 110: 'connection timed out',
  111: 'connection refused',
};

export function errnoText(errno: number): string {
  return ERRNO_TEXT[errno] ?? `errno ${errno}`;
}
