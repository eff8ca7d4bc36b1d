/*
 * berth-plan.h: the only place where the codes shared by TypeScript and C live.
 *
 * TypeScript (src/runtime/plan.ts, src/runtime/shim-protocol.ts) compiles decisions into flat
 * records; C reads them in order and carries them out. A unit test checks that the TypeScript
 * mirror (src/runtime/plan-codes.ts) matches every value here.
 *
 * Wire format of a record (little endian):  u16 tag | u16 zero | u32 length | payload[length]
 * Strings in payloads are NUL-terminated. Several strings are packed one after the other.
 * Messages on a shim channel are: u32 kind | u32 length | records[length].
 */
#ifndef BERTH_PLAN_H
#define BERTH_PLAN_H

#define BP_RECORD_HEADER 8
#define BP_MESSAGE_HEADER 8
#define BP_MAX_MESSAGE (4u << 20)

/* ---- Plan records: what a new process does, in order (runtime plan) ---- */
enum bp_op {
	/* Read by the spawner before the child exists. */
	BP_CLONE_FLAGS = 1,   /* u64: namespaces the child is created in (CLONE_NEW*) */
	/* Executed by the child, in the order they appear. */
	BP_SETNS = 10,        /* u32 nstype | path: join a namespace (all SETNS are opened first, then entered in order) */
	BP_FORK = 11,         /* (empty): clone(CLONE_PARENT); the rest runs in the new child, e.g. after joining a pid ns */
	BP_MKDIR = 12,        /* u32 mode | u32 flags (BP_MKDIR_*) | path */
	BP_WRITE = 13,        /* path | data: open O_WRONLY, write, close (cgroup files, /proc/sys, oom_score_adj) */
	BP_SETHOSTNAME = 14,  /* name */
	BP_SETDOMAINNAME = 15,/* name */
	BP_MOUNT = 16,        /* u64 flags | source | target | fstype | data */
	BP_UMOUNT = 17,       /* u32 flags | path */
	BP_MKNOD = 18,        /* u32 mode | u32 major | u32 minor | u32 uid | u32 gid | path */
	BP_SYMLINK = 19,      /* target | linkpath */
	BP_TOUCH = 20,        /* u32 mode | path: create an empty file if it does not exist (a bind mount target) */
	BP_LINK_UP = 21,      /* ifname: set IFF_UP (loopback of a new network namespace) */
	BP_PIVOT_ROOT = 22,   /* path: make path the root; the old root is detached */
	BP_CHDIR = 23,        /* path */
	BP_SETSID = 24,       /* (empty) */
	BP_SET_CTTY = 25,     /* (empty): make fd 0 the controlling terminal */
	BP_RLIMIT = 26,       /* u32 resource | u64 soft | u64 hard */
	BP_UMASK = 27,        /* u32 */
	BP_SETGROUPS = 28,    /* u32 gid[] */
	BP_SETGID = 29,       /* u32 */
	BP_SETUID = 30,       /* u32 */
	BP_CAPS = 31,         /* u64 effective | u64 permitted | u64 inheritable | u64 ambient */
	BP_NO_NEW_PRIVS = 32, /* (empty) */
	BP_SECCOMP = 33,      /* struct sock_filter[]: a compiled BPF program */
	BP_FIFO_OPEN = 34,    /* path: open a start fifo O_PATH now (before pivot_root) */
	BP_FIFO_WAIT = 35,    /* (empty): block until someone opens the fifo for reading (`start`) */
	BP_READY = 36,        /* (empty): tell the spawner setup is done (it may exit, e.g. `create`) */
	BP_CAP_BOUNDING = 37, /* u64: capabilities kept in the bounding set; the others are dropped */
	BP_KEEPCAPS = 38,     /* u32: PR_SET_KEEPCAPS, around the uid change */
	BP_ENV = 40,          /* "KEY=value" */
	BP_ARG = 41,          /* one argv entry */
	BP_EXEC = 42,         /* search path ("a:b:c"): resolve argv[0] now; execve happens after the last record */
	BP_CONSOLE = 43,      /* (spawner) path of a console socket: open a pty, give the slave to the child as 0,1,2, send the master there */
	BP_MASK = 44,         /* path: hide it (a directory under an empty read-only tmpfs, a file under /dev/null); absent is fine */
	BP_READONLY = 45,     /* path: bind it onto itself read-only; absent is fine */
	BP_BIND_TTY = 46,     /* path: bind-mount the terminal that is fd 0 there (/dev/console) */
	BP_CONSOLE_NEW = 47,  /* u16 rows | u16 cols: open a pty on the process's own /dev/ptmx, make the slave
	                         its fds 0-2, and send the master to the spawner (BP_REPORT_CONSOLE) */
	BP_ROOT = 48,         /* path: the container's root, once mounted. From here on, a path without a
	                         leading '/' in MKDIR, TOUCH, MKNOD, SYMLINK and a MOUNT target is resolved
	                         inside it (openat2 RESOLVE_IN_ROOT): an image's symlinks never lead out */
	BP_HOOK = 49,         /* u32 stage (bp_hook_stage) | u32 timeout ms (0: none) | u32 argc | path | argv[argc] | env...:
	                         data, run by BP_HOOKS_PARENT / BP_HOOKS_RUN of its stage */
	BP_HOOK_STATE = 50,   /* u32 stage | before | after: a hook's stdin is before, the pid in decimal, after (the state JSON) */
	BP_HOOKS_PARENT = 51, /* u32 stage...: ask the spawner to run these stages' hooks (runtime namespace) with our pid; wait */
	BP_HOOKS_RUN = 52,    /* u32 stage: run that stage's hooks here (the container's namespaces), with getpid() */
	BP_OP_MAX = 64
};

/* OCI hook stages the plan carries; poststart and poststop are run by TypeScript (start, delete). */
enum bp_hook_stage {
	BP_HOOK_PRESTART = 1,
	BP_HOOK_CREATE_RUNTIME = 2,
	BP_HOOK_CREATE_CONTAINER = 3,
	BP_HOOK_START_CONTAINER = 4
};

#define BP_MKDIR_PARENTS 1u   /* like mkdir -p */
#define BP_MKDIR_EXIST_OK 2u  /* an existing directory is not an error */

/* The syscall that failed, as reported back. */
enum bp_syscall {
	BP_SYS_NONE = 0,
	BP_SYS_CLONE, BP_SYS_SETNS, BP_SYS_OPEN, BP_SYS_WRITE, BP_SYS_MKDIR, BP_SYS_MOUNT,
	BP_SYS_UMOUNT, BP_SYS_MKNOD, BP_SYS_CHOWN, BP_SYS_SYMLINK, BP_SYS_IOCTL, BP_SYS_PIVOT_ROOT,
	BP_SYS_CHDIR, BP_SYS_SETSID, BP_SYS_SETRLIMIT, BP_SYS_SETGROUPS, BP_SYS_SETGID,
	BP_SYS_SETUID, BP_SYS_CAPSET, BP_SYS_PRCTL, BP_SYS_SECCOMP, BP_SYS_EXECVE, BP_SYS_SOCKET,
	BP_SYS_SETHOSTNAME, BP_SYS_DUP, BP_SYS_CONNECT, BP_SYS_SENDMSG, BP_SYS_PTY, BP_SYS_STAT,
	BP_SYS_PLAN, /* the plan itself was malformed */
	BP_SYS_HOOK, /* a hook could not run or timed out (errno) */
	BP_SYS_HOOK_EXIT /* a hook ended unsuccessfully: err is its wait status. For every hook failure the
	                    op is BP_HOOK, op_index is stage << 16 | the hook's place in its stage, path its path */
};

/* Reports from a child to its spawner, on a close-on-exec unix socket: EOF without a report means exec succeeded. */
enum bp_report_kind {
	BP_REPORT_FAILED = 1,    /* u32 op_index | u32 op | u32 syscall | i32 errno | path */
	BP_REPORT_CHILD_PID = 2, /* i32 pid: the process that BP_FORK created */
	BP_REPORT_READY = 3,     /* (empty): BP_READY reached */
	BP_REPORT_CONSOLE = 4,   /* (empty): the pty master of BP_CONSOLE_NEW travels with it as SCM_RIGHTS */
	BP_REPORT_HOOKS = 5      /* u32 stage...: run these hooks (BP_HOOKS_PARENT); the spawner answers with an
	                            empty BP_REPORT_HOOKS once they succeeded, or kills the child */
};

/* ---- Shim: configuration records (first message on fd 3) ---- */
enum bp_shim_rec {
	BS_ID = 100,            /* container or exec id, for messages */
	BS_SOCKET = 101,        /* path: listen here for controllers and attach hand-offs */
	BS_LOG_PATH = 102,      /* path of the json-file log */
	BS_EXIT_PATH = 103,     /* path: the exit status is written here atomically */
	BS_TTY = 104,           /* (empty): the process gets a pty */
	BS_STDIN = 105,         /* (empty): keep a stdin pipe open */
	BS_STDIN_ONCE = 106,    /* (empty): close stdin when the first attached client ends its input */
	BS_ATTACH = 107,        /* u32 fd | u32 flags (BS_ATTACH_*) | detach key bytes: an inherited client socket */
	BS_CLEANUP_RMDIR = 108, /* path: rmdir after the process exits (cgroups) */
	BS_WINSIZE = 109,       /* u16 rows | u16 cols */
	BS_OOM_FILE = 110,      /* path: its content is read after exit and recorded (memory.oom_control) */
	BS_PLAN = 111,          /* records of a runtime plan (nested): spawn the process natively */
	BS_CMD_ARG = 112,       /* argv entry of a command that creates the process (e.g. `runc create ...`) */
	BS_START_ARG = 113,     /* argv entry of a command run after the create command succeeded (`runc start`) */
	BS_PID_FILE = 114,      /* path: where the create command writes the container's pid */
	BS_CONSOLE_SOCKET = 115,/* path: listen here for the pty master sent by an OCI runtime */
	BS_CMD_WAITS = 116,     /* (empty): the create command's own exit status is the process's (`runc exec` without -d) */
	BS_LOG_ROTATE = 117,    /* u64 max bytes per file | u32 files kept (current one included) | u32 compress (0|1) */
};

#define BS_ATTACH_STDIN 1u
#define BS_ATTACH_STDOUT 2u
#define BS_ATTACH_STDERR 4u
#define BS_ATTACH_MUX 8u     /* 8-byte multiplexed framing (no TTY) */

/* ---- Shim channel messages ---- */
enum bp_shim_msg {
	/* daemon -> shim */
	BM_CONFIG = 1,      /* records: bp_shim_rec */
	BM_HELLO = 2,       /* (empty): a controller (re)connects; the shim answers BM_STATE */
	BM_RESIZE = 3,      /* u16 rows | u16 cols */
	BM_KILL = 4,        /* u32 signal: signal the process (the shim never signals a pid it has reaped) */
	BM_ATTACH = 5,      /* u32 flags | detach keys; the client socket comes as SCM_RIGHTS */
	BM_CLOSE_STDIN = 6, /* (empty) */
	BM_EXIT_ACK = 7,    /* (empty): the daemon has recorded the exit; clients' streams may end now */
	/* shim -> daemon */
	BM_STARTED = 32,    /* i32 pid */
	BM_START_FAILED = 33,/* the child's BP_REPORT_FAILED payload */
	BM_EXIT = 34,       /* i32 wait status | i32 pid | u64 finished unix ns | oom file content */
	BM_STATE = 35,      /* i32 pid | u32 running | (when exited) i32 wait status | u64 finished ns */
	BM_ACK = 36         /* (empty): an attach was taken over */
};

/* Stream ids of Docker's multiplexed framing. */
#define BS_STREAM_STDIN 0
#define BS_STREAM_STDOUT 1
#define BS_STREAM_STDERR 2

/*
 * ---- berth-seccomp: a seccomp filter to compile ----
 * Records on stdin, in any order except that BF_ARG records belong to the BF_RULE before them.
 * The classic BPF program (struct sock_filter[], host byte order) goes to stdout: the payload of
 * BP_SECCOMP. TypeScript (src/runtime/seccomp/) has already decided every action and condition.
 */
enum bp_filter_rec {
	BF_DEFAULT = 200,     /* u32 action (bp_filter_action) | u32 errno (ERRNO) or message (TRACE): for syscalls no rule matches */
	BF_ARCH = 201,        /* libseccomp architecture name ("x86", "x32", "aarch64"...): covered besides the native one */
	BF_FLAGS = 202,       /* u32 BF_FLAG_*: checked against what libseccomp and the kernel support */
	BF_RULE = 203,        /* u32 action | u32 errno or message | syscall name; unknown names are skipped */
	BF_ARG = 204,         /* u32 index | u32 op (bp_filter_cmp) | u64 value | u64 value two: a condition of the rule
	                         before it; all of a rule's conditions must hold (MASKED_EQ: value is the mask) */
	BF_BINARY_TREE = 205, /* (empty): let libseccomp sort the rules into a binary tree (long rule lists) */
	BF_ENOSYS_STUB = 206, /* (empty): syscalls numbered above every syscall the profile names (per architecture)
	                         fail with ENOSYS, not the default action: newer than the profile, so a caller
	                         falls back as on an older kernel */
	BF_NAMED = 207        /* syscall name: named by the profile with the default action, so no rule (libseccomp
	                         refuses those), but known to it: counts for BF_ENOSYS_STUB */
};

enum bp_filter_action {
	BF_ACT_KILL_THREAD = 1,
	BF_ACT_KILL_PROCESS = 2,
	BF_ACT_TRAP = 3,
	BF_ACT_ERRNO = 4,
	BF_ACT_TRACE = 5,
	BF_ACT_LOG = 6,
	BF_ACT_ALLOW = 7
};

/* Comparisons of an argument condition, in libseccomp's order. */
enum bp_filter_cmp {
	BF_CMP_NE = 1,
	BF_CMP_LT = 2,
	BF_CMP_LE = 3,
	BF_CMP_EQ = 4,
	BF_CMP_GE = 5,
	BF_CMP_GT = 6,
	BF_CMP_MASKED_EQ = 7
};

#define BF_FLAG_TSYNC 1u      /* SECCOMP_FILTER_FLAG_TSYNC */
#define BF_FLAG_LOG 2u        /* SECCOMP_FILTER_FLAG_LOG */
#define BF_FLAG_SPEC_ALLOW 4u /* SECCOMP_FILTER_FLAG_SPEC_ALLOW */
#define BF_MAX_ARGS 6         /* a syscall has at most six arguments */

#endif
