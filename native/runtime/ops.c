/*
 * The records of a plan, carried out one by one in the new process. No defaults and no policy:
 * every path, flag and id comes from the plan that TypeScript compiled.
 */
#define _GNU_SOURCE
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "berth-plan.h"
#include "hooks.h"
#include "report.h"

#define autoclose __attribute__((cleanup(close_fdp)))
static void close_fdp(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* The argv/envp being collected and the resolved program. */
struct exec_state {
	char **argv;
	size_t argc, argcap;
	char **envp;
	size_t envc, envcap;
	char path[PATH_MAX];
	int resolved;
};

static int fail(struct bp_failure *f, uint32_t sys, const char *path)
{
	f->sys = sys;
	f->err = errno;
	snprintf(f->path, sizeof(f->path), "%s", path ? path : "");
	return -1;
}

static int fail_plan(struct bp_failure *f)
{
	errno = EINVAL;
	return fail(f, BP_SYS_PLAN, "");
}

/*
 * The container's root (BP_ROOT). Paths without a leading '/' are resolved inside it with
 * openat2(RESOLVE_IN_ROOT): '..' and absolute symlinks stop at the root, so an image cannot make a
 * mount, a device or a directory land on the host (CVE-2021-30465 and its kind).
 */
static int root_fd = -1;

static int in_root(const char *path)
{
	return path[0] != '/';
}

static int open_in_root(const char *rel, int flags, mode_t mode)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .mode = (flags & O_CREAT) ? mode : 0,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	if (root_fd < 0) {
		errno = EBADF;
		return -1;
	}
	return (int)syscall(SYS_openat2, root_fd, rel[0] ? rel : ".", &how, sizeof(how));
}

/* The parent of rel, opened inside the root, and rel's last component. */
static int open_parent_in_root(const char *rel, char *name, size_t name_size)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	size_t n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	char *slash = strrchr(buf, '/');
	snprintf(name, name_size, "%s", slash ? slash + 1 : buf);
	if (!slash)
		return open_in_root("", O_PATH | O_DIRECTORY, 0);
	*slash = 0;
	return open_in_root(buf, O_PATH | O_DIRECTORY, 0);
}

/* Joins a/b and folds "." and ".." lexically, never above the root: "x/../../y" is "y". */
static int join_in_root(const char *a, const char *b, char *out, size_t size)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s/%s", a, b) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	size_t n = 0;
	out[0] = 0;
	for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			char *slash = strrchr(out, '/');
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = 0;
			continue;
		}
		int w = snprintf(out + n, size - n, "%s%s", n ? "/" : "", c);
		if (w < 0 || (size_t)w >= size - n) {
			errno = ENAMETOOLONG;
			return -1;
		}
		n += (size_t)w;
	}
	if (!n)
		snprintf(out, size, ".");
	return 0;
}

/*
 * mkdir -p inside the root: every prefix is resolved in the root before a missing part is made,
 * and a symlink on the way is followed as the container would see it (its target made inside the
 * root), as runc's MkdirAllInRoot does.
 */
static int mkdir_in_root_depth(const char *rel, mode_t mode, int depth)
{
	char buf[PATH_MAX];
	if (depth > 40) {
		errno = ELOOP;
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	size_t n = strlen(buf);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		char saved = buf[i];
		buf[i] = 0;
		int fd = open_in_root(buf, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0) {
			close(fd);
			buf[i] = saved;
			continue;
		}
		if (errno != ENOENT)
			return -1;
		char name[NAME_MAX + 1];
		autoclose int parent = open_parent_in_root(buf, name, sizeof(name));
		if (parent < 0)
			return -1;
		if (mkdirat(parent, name, mode) == 0) {
			buf[i] = saved;
			continue;
		}
		if (errno != EEXIST)
			return -1;
		/* It exists but is no directory reachable in the root: a symlink to follow, or a file. */
		char link[PATH_MAX];
		ssize_t ln = readlinkat(parent, name, link, sizeof(link) - 1);
		if (ln < 0) {
			errno = ENOTDIR;
			return -1;
		}
		link[ln] = 0;
		char dir[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
		char *slash = strrchr(buf, '/');
		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - buf) : 0, buf);
		if (join_in_root(link[0] == '/' ? "" : dir, link, target, sizeof(target)) < 0 ||
		    join_in_root(target, saved ? buf + i + 1 : "", next, sizeof(next)) < 0)
			return -1;
		return mkdir_in_root_depth(next, mode, depth + 1);
	}
	return 0;
}

static int mkdir_in_root(const char *rel, mode_t mode)
{
	return mkdir_in_root_depth(rel, mode, 0);
}

static int push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n + 2 > *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **g = realloc(*v, c * sizeof(char *));
		if (!g)
			return -1;
		*v = g;
		*cap = c;
	}
	(*v)[(*n)++] = (char *)s;
	(*v)[*n] = NULL;
	return 0;
}

static int op_mkdir(const struct bp_rec *r, struct bp_failure *f)
{
	uint32_t mode, flags;
	const char *path = bp_str(r, 8, 0);
	if (bp_u32(r, 0, &mode) || bp_u32(r, 4, &flags) || !path)
		return fail_plan(f);
	if (in_root(path))
		return mkdir_in_root(path, mode) < 0 ? fail(f, BP_SYS_MKDIR, path) : 0;
	if (flags & BP_MKDIR_PARENTS) {
		char buf[PATH_MAX];
		if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
			errno = ENAMETOOLONG;
			return fail(f, BP_SYS_MKDIR, path);
		}
		for (char *p = buf + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = 0;
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return fail(f, BP_SYS_MKDIR, buf);
			*p = '/';
		}
	}
	if (mkdir(path, mode) < 0) {
		if (errno != EEXIST || !(flags & (BP_MKDIR_EXIST_OK | BP_MKDIR_PARENTS)))
			return fail(f, BP_SYS_MKDIR, path);
	}
	return 0;
}

static int op_write(const struct bp_rec *r, struct bp_failure *f)
{
	const char *path = bp_str(r, 0, 0);
	const char *data = bp_str(r, 0, 1);
	if (!path || !data)
		return fail_plan(f);
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(f, BP_SYS_OPEN, path);
	size_t n = strlen(data);
	if (write(fd, data, n) != (ssize_t)n)
		return fail(f, BP_SYS_WRITE, path);
	return 0;
}

static int op_mount(const struct bp_rec *r, struct bp_failure *f)
{
	uint64_t flags;
	const char *src = bp_str(r, 8, 0), *target = bp_str(r, 8, 1);
	const char *fstype = bp_str(r, 8, 2), *data = bp_str(r, 8, 3);
	if (bp_u64(r, 0, &flags) || !src || !target || !fstype || !data)
		return fail_plan(f);
	const char *at = target;
	char proc[64];
	autoclose int fd = -1;
	if (in_root(target)) {
		/* Mount onto what the target is inside the root, through its descriptor. */
		fd = open_in_root(target, O_PATH, 0);
		if (fd < 0)
			return fail(f, BP_SYS_OPEN, target);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		at = proc;
	}
	if (mount(*src ? src : NULL, at, *fstype ? fstype : NULL, (unsigned long)flags, *data ? data : NULL) < 0)
		return fail(f, BP_SYS_MOUNT, target);
	return 0;
}

static int op_mknod(const struct bp_rec *r, struct bp_failure *f)
{
	uint32_t mode, major, minor, uid, gid;
	const char *path = bp_str(r, 20, 0);
	if (bp_u32(r, 0, &mode) || bp_u32(r, 4, &major) || bp_u32(r, 8, &minor) || bp_u32(r, 12, &uid) ||
	    bp_u32(r, 16, &gid) || !path)
		return fail_plan(f);
	int dirfd = AT_FDCWD;
	char name[NAME_MAX + 1];
	const char *at = path;
	autoclose int parent = -1;
	if (in_root(path)) {
		parent = open_parent_in_root(path, name, sizeof(name));
		if (parent < 0)
			return fail(f, BP_SYS_OPEN, path);
		dirfd = parent;
		at = name;
	}
	if (mknodat(dirfd, at, mode, makedev(major, minor)) < 0)
		return fail(f, BP_SYS_MKNOD, path);
	/* mknod honours the umask; the plan's mode is meant exactly. */
	if (fchmodat(dirfd, at, mode & 07777, 0) < 0 || fchownat(dirfd, at, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(f, BP_SYS_CHOWN, path);
	return 0;
}

static int op_symlink(const struct bp_rec *r, struct bp_failure *f)
{
	const char *target = bp_str(r, 0, 0), *link = bp_str(r, 0, 1);
	if (!target || !link)
		return fail_plan(f);
	int dirfd = AT_FDCWD;
	char name[NAME_MAX + 1];
	const char *at = link;
	autoclose int parent = -1;
	if (in_root(link)) {
		parent = open_parent_in_root(link, name, sizeof(name));
		if (parent < 0)
			return fail(f, BP_SYS_OPEN, link);
		dirfd = parent;
		at = name;
	}
	if (symlinkat(target, dirfd, at) < 0 && errno != EEXIST)
		return fail(f, BP_SYS_SYMLINK, link);
	return 0;
}

static int op_touch(const struct bp_rec *r, struct bp_failure *f)
{
	uint32_t mode;
	const char *path = bp_str(r, 4, 0);
	if (bp_u32(r, 0, &mode) || !path)
		return fail_plan(f);
	/* In the root, a symlink is followed to where it points inside the root, as runc does. */
	autoclose int fd = in_root(path) ? open_in_root(path, O_WRONLY | O_CREAT, mode)
					 : open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return fail(f, BP_SYS_OPEN, path);
	return 0;
}

static int op_link_up(const struct bp_rec *r, struct bp_failure *f)
{
	const char *name = bp_str(r, 0, 0);
	if (!name)
		return fail_plan(f);
	autoclose int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(f, BP_SYS_SOCKET, name);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return fail(f, BP_SYS_IOCTL, name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return fail(f, BP_SYS_IOCTL, name);
	return 0;
}

static int op_pivot_root(const struct bp_rec *r, struct bp_failure *f)
{
	const char *path = bp_str(r, 0, 0);
	if (!path)
		return fail_plan(f);
	if (chdir(path) < 0)
		return fail(f, BP_SYS_CHDIR, path);
	/* pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only the new. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(f, BP_SYS_PIVOT_ROOT, path);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(f, BP_SYS_UMOUNT, path);
	if (chdir("/") < 0)
		return fail(f, BP_SYS_CHDIR, "/");
	return 0;
}

static int op_caps(const struct bp_rec *r, struct bp_failure *f)
{
	uint64_t eff, perm, inh, amb;
	if (bp_u64(r, 0, &eff) || bp_u64(r, 8, &perm) || bp_u64(r, 16, &inh) || bp_u64(r, 24, &amb))
		return fail_plan(f);
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32), .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(f, BP_SYS_CAPSET, "");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(f, BP_SYS_PRCTL, "ambient");
	for (int cap = 0; cap < 64; cap++) {
		if (!(amb & (1ull << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return fail(f, BP_SYS_PRCTL, "ambient");
	}
	return 0;
}

static int op_cap_bounding(const struct bp_rec *r, struct bp_failure *f)
{
	uint64_t keep;
	if (bp_u64(r, 0, &keep))
		return fail_plan(f);
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) /* past the kernel's last capability */
				break;
			return fail(f, BP_SYS_PRCTL, "bounding set");
		}
	}
	return 0;
}

static int op_seccomp(const struct bp_rec *r, struct bp_failure *f)
{
	if (r->len == 0 || r->len % sizeof(struct sock_filter))
		return fail_plan(f);
	struct sock_filter *insns = malloc(r->len);
	if (!insns)
		return fail(f, BP_SYS_SECCOMP, "");
	memcpy(insns, r->data, r->len);
	struct sock_fprog prog = { .len = (unsigned short)(r->len / sizeof(struct sock_filter)), .filter = insns };
	int rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	free(insns);
	if (rc < 0)
		return fail(f, BP_SYS_SECCOMP, "");
	return 0;
}

/*
 * A terminal from the container's own devpts (as runc makes it): the program sees /dev/pts/N,
 * and the master goes to the spawner, which serves it.
 */
static int op_console_new(const struct bp_rec *r, int report, struct bp_failure *f)
{
	uint16_t rows, cols;
	if (bp_u16(r, 0, &rows) || bp_u16(r, 2, &cols))
		return fail_plan(f);
	autoclose int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return fail(f, BP_SYS_PTY, "/dev/ptmx");
	char name[64];
	if (ptsname_r(master, name, sizeof(name)))
		return fail(f, BP_SYS_PTY, "/dev/ptmx");
	autoclose int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return fail(f, BP_SYS_OPEN, name);
	if (rows && cols) {
		struct winsize ws = { .ws_row = rows, .ws_col = cols };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			return fail(f, BP_SYS_IOCTL, name);
	}
	if (bp_report_console(report, master) < 0)
		return fail(f, BP_SYS_SENDMSG, "console");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return fail(f, BP_SYS_DUP, name);
	return 0;
}

static int op_mask(const struct bp_rec *r, struct bp_failure *f)
{
	const char *path = bp_str(r, 0, 0);
	struct stat st;
	if (!path)
		return fail_plan(f);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail(f, BP_SYS_STAT, path);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
				     : mount("/dev/null", path, NULL, MS_BIND, NULL);
	return rc < 0 ? fail(f, BP_SYS_MOUNT, path) : 0;
}

static int op_readonly(const struct bp_rec *r, struct bp_failure *f)
{
	const char *path = bp_str(r, 0, 0);
	if (!path)
		return fail_plan(f);
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : fail(f, BP_SYS_MOUNT, path);
	if (mount(path, path, NULL, MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return fail(f, BP_SYS_MOUNT, path);
	return 0;
}

/* Like Go's exec.LookPath, so that errors read as runc's do: a regular file with an x bit. */
static int is_executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!(st.st_mode & 0111)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static int op_exec_resolve(const struct bp_rec *r, struct exec_state *ex, struct bp_failure *f)
{
	const char *search = bp_str(r, 0, 0);
	if (!search || ex->argc == 0)
		return fail_plan(f);
	const char *file = ex->argv[0];
	if (strchr(file, '/')) {
		if (is_executable(file) < 0)
			return fail(f, BP_SYS_STAT, file);
		snprintf(ex->path, sizeof(ex->path), "%s", file);
		ex->resolved = 1;
		return 0;
	}
	const char *p = search;
	while (1) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		char cand[PATH_MAX];
		if (dl == 0)
			snprintf(cand, sizeof(cand), "./%s", file);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, p, file);
		if (is_executable(cand) == 0) {
			snprintf(ex->path, sizeof(ex->path), "%s", cand);
			ex->resolved = 1;
			return 0;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	errno = ENOENT;
	return fail(f, BP_SYS_EXECVE, file);
}

/* Opens every namespace to join before any is entered: joining a mount namespace changes what paths mean. */
static int open_namespaces(const struct bp_plan *plan, size_t from, int *nsfd, struct bp_failure *f)
{
	for (size_t i = from; i < plan->n; i++) {
		nsfd[i] = -1;
		if (plan->recs[i].tag != BP_SETNS)
			continue;
		const char *path = bp_str(&plan->recs[i], 4, 0);
		if (!path) {
			f->op_index = (uint32_t)i;
			f->op = BP_SETNS;
			return fail_plan(f);
		}
		nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd[i] < 0) {
			f->op_index = (uint32_t)i;
			f->op = BP_SETNS;
			return fail(f, BP_SYS_OPEN, path);
		}
	}
	return 0;
}

static int run_one(const struct bp_plan *plan, size_t i, int report, int *nsfd, int *fifo, struct exec_state *ex,
		   struct bp_failure *f)
{
	const struct bp_rec *r = &plan->recs[i];
	uint32_t u;
	uint64_t a, b;
	const char *s;

	switch (r->tag) {
	case BP_CLONE_FLAGS:
	case BP_CONSOLE:
		return 0; /* read by the spawner */
	case BP_HOOK:
	case BP_HOOK_STATE:
		return 0; /* data of BP_HOOKS_PARENT and BP_HOOKS_RUN */
	case BP_HOOKS_PARENT: {
		/* The spawner runs them in the runtime's namespaces, then answers; no answer: it gave up on us. */
		uint32_t kind, len;
		uint8_t *payload = NULL;
		if (bp_write_msg(report, BP_REPORT_HOOKS, r->data, r->len) < 0)
			return fail(f, BP_SYS_HOOK, "");
		int rc = bp_read_msg(report, &kind, &payload, &len);
		free(payload);
		if (rc != 1 || kind != BP_REPORT_HOOKS) {
			errno = rc < 0 ? errno : EPIPE;
			return fail(f, BP_SYS_HOOK, "");
		}
		return 0;
	}
	case BP_HOOKS_RUN:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		return bp_run_hooks(plan, u, getpid(), f);
	case BP_SETNS:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		if (setns(nsfd[i], (int)u) < 0)
			return fail(f, BP_SYS_SETNS, bp_str(r, 4, 0));
		close(nsfd[i]);
		nsfd[i] = -1;
		return 0;
	case BP_FORK: {
		pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (pid < 0)
			return fail(f, BP_SYS_CLONE, "");
		if (pid > 0) {
			bp_report_pid(report, pid);
			_exit(0);
		}
		return 0;
	}
	case BP_MKDIR:
		return op_mkdir(r, f);
	case BP_WRITE:
		return op_write(r, f);
	case BP_SETHOSTNAME:
	case BP_SETDOMAINNAME:
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		if ((r->tag == BP_SETHOSTNAME ? sethostname(s, strlen(s)) : setdomainname(s, strlen(s))) < 0)
			return fail(f, BP_SYS_SETHOSTNAME, s);
		return 0;
	case BP_MOUNT:
		return op_mount(r, f);
	case BP_UMOUNT:
		if (bp_u32(r, 0, &u) || !(s = bp_str(r, 4, 0)))
			return fail_plan(f);
		if (umount2(s, (int)u) < 0)
			return fail(f, BP_SYS_UMOUNT, s);
		return 0;
	case BP_MKNOD:
		return op_mknod(r, f);
	case BP_SYMLINK:
		return op_symlink(r, f);
	case BP_TOUCH:
		return op_touch(r, f);
	case BP_LINK_UP:
		return op_link_up(r, f);
	case BP_PIVOT_ROOT:
		return op_pivot_root(r, f);
	case BP_CHDIR:
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		if (chdir(s) < 0)
			return fail(f, BP_SYS_CHDIR, s);
		return 0;
	case BP_SETSID:
		if (setsid() < 0)
			return fail(f, BP_SYS_SETSID, "");
		return 0;
	case BP_SET_CTTY:
		if (ioctl(0, TIOCSCTTY, 0) < 0)
			return fail(f, BP_SYS_IOCTL, "/dev/console");
		return 0;
	case BP_RLIMIT: {
		if (bp_u32(r, 0, &u) || bp_u64(r, 4, &a) || bp_u64(r, 12, &b))
			return fail_plan(f);
		struct rlimit rl = { .rlim_cur = a, .rlim_max = b };
		if (setrlimit((int)u, &rl) < 0)
			return fail(f, BP_SYS_SETRLIMIT, "");
		return 0;
	}
	case BP_UMASK:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		umask(u);
		return 0;
	case BP_SETGROUPS: {
		size_t n = r->len / 4;
		gid_t gids[n ? n : 1];
		for (size_t k = 0; k < n; k++)
			bp_u32(r, k * 4, &gids[k]);
		if (setgroups(n, gids) < 0)
			return fail(f, BP_SYS_SETGROUPS, "");
		return 0;
	}
	case BP_SETGID:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		if (setresgid(u, u, u) < 0)
			return fail(f, BP_SYS_SETGID, "");
		return 0;
	case BP_SETUID:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		if (setresuid(u, u, u) < 0)
			return fail(f, BP_SYS_SETUID, "");
		return 0;
	case BP_CAPS:
		return op_caps(r, f);
	case BP_CAP_BOUNDING:
		return op_cap_bounding(r, f);
	case BP_KEEPCAPS:
		if (bp_u32(r, 0, &u))
			return fail_plan(f);
		if (prctl(PR_SET_KEEPCAPS, u, 0, 0, 0) < 0)
			return fail(f, BP_SYS_PRCTL, "keepcaps");
		return 0;
	case BP_NO_NEW_PRIVS:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return fail(f, BP_SYS_PRCTL, "no_new_privs");
		return 0;
	case BP_SECCOMP:
		return op_seccomp(r, f);
	case BP_FIFO_OPEN:
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		*fifo = open(s, O_PATH | O_CLOEXEC);
		if (*fifo < 0)
			return fail(f, BP_SYS_OPEN, s);
		return 0;
	case BP_FIFO_WAIT: {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", *fifo);
		/* Blocks until `start` opens the fifo for reading. */
		autoclose int w = open(p, O_WRONLY | O_CLOEXEC);
		if (w < 0)
			return fail(f, BP_SYS_OPEN, "exec fifo");
		if (write(w, "0", 1) != 1)
			return fail(f, BP_SYS_WRITE, "exec fifo");
		close(*fifo);
		*fifo = -1;
		return 0;
	}
	case BP_READY:
		bp_report_ready(report);
		return 0;
	case BP_ENV:
	case BP_ARG:
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		if (r->tag == BP_ENV ? push(&ex->envp, &ex->envc, &ex->envcap, s) : push(&ex->argv, &ex->argc, &ex->argcap, s))
			return fail(f, BP_SYS_PLAN, "");
		return 0;
	case BP_EXEC:
		return op_exec_resolve(r, ex, f);
	case BP_MASK:
		return op_mask(r, f);
	case BP_CONSOLE_NEW:
		return op_console_new(r, report, f);
	case BP_ROOT:
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		if (root_fd >= 0)
			close(root_fd);
		root_fd = open(s, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0)
			return fail(f, BP_SYS_OPEN, s);
		return 0;
	case BP_BIND_TTY: {
		char tty[PATH_MAX];
		if (!(s = bp_str(r, 0, 0)))
			return fail_plan(f);
		/* Bind mounts of /proc/self/fd/0 fail with EINVAL: the terminal's own name works. */
		int e = ttyname_r(0, tty, sizeof(tty));
		if (e) {
			errno = e;
			return fail(f, BP_SYS_STAT, "/proc/self/fd/0");
		}
		if (mount(tty, s, NULL, MS_BIND, NULL) < 0)
			return fail(f, BP_SYS_MOUNT, s);
		return 0;
	}
	case BP_READONLY:
		return op_readonly(r, f);
	default:
		return fail_plan(f);
	}
}

int bp_run_ops(const struct bp_plan *plan, size_t from, int report, struct bp_failure *f)
{
	struct exec_state ex = { 0 };
	int fifo = -1;
	int *nsfd = calloc(plan->n ? plan->n : 1, sizeof(int));
	if (!nsfd)
		return fail(f, BP_SYS_PLAN, "");
	if (open_namespaces(plan, from, nsfd, f) < 0)
		return -1;
	for (size_t i = from; i < plan->n; i++) {
		if (run_one(plan, i, report, nsfd, &fifo, &ex, f) < 0) {
			/* A hook's failure names the hook itself. */
			if (f->op != BP_HOOK) {
				f->op_index = (uint32_t)i;
				f->op = plan->recs[i].tag;
			}
			return -1;
		}
	}
	f->op_index = (uint32_t)plan->n;
	f->op = BP_EXEC;
	if (!ex.resolved) {
		errno = EINVAL;
		return fail(f, BP_SYS_PLAN, "no program to run");
	}
	static char *no_env[] = { NULL };
	char **envp = ex.envp ? ex.envp : no_env;
	/* Nothing but 0, 1 and 2 crosses into the program (CVE-2024-21626 leaked an fd). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(ex.path, ex.argv, envp);
	return fail(f, BP_SYS_EXECVE, ex.argv[0]);
}
