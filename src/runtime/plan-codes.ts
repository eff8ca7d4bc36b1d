/**
 * The TypeScript mirror of native/include/berth-plan.h (a unit test checks it matches).
 * Names keep the C prefixes so that a grep finds both sides.
 */

export const PlanOp = {
  BP_CLONE_FLAGS: 1,
  BP_SETNS: 10,
  BP_FORK: 11,
  BP_MKDIR: 12,
  BP_WRITE: 13,
  BP_SETHOSTNAME: 14,
  BP_SETDOMAINNAME: 15,
  BP_MOUNT: 16,
  BP_UMOUNT: 17,
  BP_MKNOD: 18,
  BP_SYMLINK: 19,
  BP_TOUCH: 20,
  BP_LINK_UP: 21,
  BP_PIVOT_ROOT: 22,
  BP_CHDIR: 23,
  BP_SETSID: 24,
  BP_SET_CTTY: 25,
  BP_RLIMIT: 26,
  BP_UMASK: 27,
  BP_SETGROUPS: 28,
  BP_SETGID: 29,
  BP_SETUID: 30,
  BP_CAPS: 31,
  BP_NO_NEW_PRIVS: 32,
  BP_SECCOMP: 33,
  BP_FIFO_OPEN: 34,
  BP_FIFO_WAIT: 35,
  BP_READY: 36,
  BP_CAP_BOUNDING: 37,
  BP_KEEPCAPS: 38,
  BP_ENV: 40,
  BP_ARG: 41,
  BP_EXEC: 42,
  BP_CONSOLE: 43,
  BP_MASK: 44,
  BP_READONLY: 45,
  BP_BIND_TTY: 46,
  BP_CONSOLE_NEW: 47,
  BP_ROOT: 48,
  BP_OP_MAX: 64,
} as const;

export const PlanSyscall = {
  BP_SYS_NONE: 0,
  BP_SYS_CLONE: 1,
  BP_SYS_SETNS: 2,
  BP_SYS_OPEN: 3,
  BP_SYS_WRITE: 4,
  BP_SYS_MKDIR: 5,
  BP_SYS_MOUNT: 6,
  BP_SYS_UMOUNT: 7,
  BP_SYS_MKNOD: 8,
  BP_SYS_CHOWN: 9,
  BP_SYS_SYMLINK: 10,
  BP_SYS_IOCTL: 11,
  BP_SYS_PIVOT_ROOT: 12,
  BP_SYS_CHDIR: 13,
  BP_SYS_SETSID: 14,
  BP_SYS_SETRLIMIT: 15,
  BP_SYS_SETGROUPS: 16,
  BP_SYS_SETGID: 17,
  BP_SYS_SETUID: 18,
  BP_SYS_CAPSET: 19,
  BP_SYS_PRCTL: 20,
  BP_SYS_SECCOMP: 21,
  BP_SYS_EXECVE: 22,
  BP_SYS_SOCKET: 23,
  BP_SYS_SETHOSTNAME: 24,
  BP_SYS_DUP: 25,
  BP_SYS_CONNECT: 26,
  BP_SYS_SENDMSG: 27,
  BP_SYS_PTY: 28,
  BP_SYS_STAT: 29,
  BP_SYS_PLAN: 30,
} as const;

export const ReportKind = {
  BP_REPORT_FAILED: 1,
  BP_REPORT_CHILD_PID: 2,
  BP_REPORT_READY: 3,
  BP_REPORT_CONSOLE: 4,
} as const;

export const ShimRec = {
  BS_ID: 100,
  BS_SOCKET: 101,
  BS_LOG_PATH: 102,
  BS_EXIT_PATH: 103,
  BS_TTY: 104,
  BS_STDIN: 105,
  BS_STDIN_ONCE: 106,
  BS_ATTACH: 107,
  BS_CLEANUP_RMDIR: 108,
  BS_WINSIZE: 109,
  BS_OOM_FILE: 110,
  BS_PLAN: 111,
  BS_CMD_ARG: 112,
  BS_START_ARG: 113,
  BS_PID_FILE: 114,
  BS_CONSOLE_SOCKET: 115,
  BS_CMD_WAITS: 116,
  BS_LOG_ROTATE: 117,
} as const;

export const ShimMsg = {
  BM_CONFIG: 1,
  BM_HELLO: 2,
  BM_RESIZE: 3,
  BM_KILL: 4,
  BM_ATTACH: 5,
  BM_CLOSE_STDIN: 6,
  BM_EXIT_ACK: 7,
  BM_STARTED: 32,
  BM_START_FAILED: 33,
  BM_EXIT: 34,
  BM_STATE: 35,
  BM_ACK: 36,
} as const;

export const PlanConst = {
  BP_RECORD_HEADER: 8,
  BP_MESSAGE_HEADER: 8,
  BP_MAX_MESSAGE: 4194304,
  BP_MKDIR_PARENTS: 1,
  BP_MKDIR_EXIST_OK: 2,
  BS_ATTACH_STDIN: 1,
  BS_ATTACH_STDOUT: 2,
  BS_ATTACH_STDERR: 4,
  BS_ATTACH_MUX: 8,
  BS_STREAM_STDIN: 0,
  BS_STREAM_STDOUT: 1,
  BS_STREAM_STDERR: 2,
} as const;

/** berth-seccomp's input records (native/seccomp). */
export const FilterRec = {
  BF_DEFAULT: 200,
  BF_ARCH: 201,
  BF_FLAGS: 202,
  BF_RULE: 203,
  BF_ARG: 204,
  BF_BINARY_TREE: 205,
  BF_ENOSYS_STUB: 206,
  BF_NAMED: 207,
} as const;

export const FilterAction = {
  BF_ACT_KILL_THREAD: 1,
  BF_ACT_KILL_PROCESS: 2,
  BF_ACT_TRAP: 3,
  BF_ACT_ERRNO: 4,
  BF_ACT_TRACE: 5,
  BF_ACT_LOG: 6,
  BF_ACT_ALLOW: 7,
} as const;

export const FilterCmp = {
  BF_CMP_NE: 1,
  BF_CMP_LT: 2,
  BF_CMP_LE: 3,
  BF_CMP_EQ: 4,
  BF_CMP_GE: 5,
  BF_CMP_GT: 6,
  BF_CMP_MASKED_EQ: 7,
} as const;

export const FilterConst = {
  BF_FLAG_TSYNC: 1,
  BF_FLAG_LOG: 2,
  BF_FLAG_SPEC_ALLOW: 4,
  BF_MAX_ARGS: 6,
} as const;
