/*
 * A static probe that tries syscalls inside a container and says how each went, one line per
 * check: "<check>: ok", "<check>: <strerror(errno)>" or "<check>: killed by signal N". Built by the
 * tests (cc -static) and copied into a root filesystem; busybox cannot issue most of these calls.
 *
 *   syscall-probe <check>...     checks are named below; "nr-<N>" issues raw syscall N
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

/* A child created by a raw clone or clone3 exits at once; the parent reaps it. */
static long reap(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

static long clone_flags(unsigned long flags)
{
	return reap(syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0));
}

static long clone3_plain(void)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	return reap(syscall(SYS_clone3, &args, sizeof(args)));
}

static long close_result(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -1 : 0;
}

static long check(const char *name)
{
	if (strncmp(name, "nr-", 3) == 0)
		return syscall(atol(name + 3), 0, 0, 0, 0, 0, 0) < 0 ? -1 : 0;
	if (!strcmp(name, "getpid"))
		return getpid() > 0 ? 0 : -1;
	if (!strcmp(name, "fork"))
		return clone_flags(0);
	if (!strcmp(name, "clone-newuser"))
		return clone_flags(CLONE_NEWUSER);
	if (!strcmp(name, "clone-newns"))
		return clone_flags(CLONE_NEWNS);
	if (!strcmp(name, "clone3"))
		return clone3_plain();
	if (!strcmp(name, "unshare-user"))
		return unshare(CLONE_NEWUSER);
	if (!strcmp(name, "unshare-mount"))
		return unshare(CLONE_NEWNS);
	if (!strcmp(name, "mount"))
		return mount("none", "/tmp", "tmpfs", 0, NULL);
	if (!strcmp(name, "add_key"))
		return syscall(SYS_add_key, "user", "berth-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING) < 0 ? -1 : 0;
	if (!strcmp(name, "keyctl"))
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) < 0 ? -1 : 0;
	if (!strcmp(name, "request_key"))
		return syscall(SYS_request_key, "user", "berth-probe-none", NULL, 0) < 0 ? -1 : 0;
	if (!strcmp(name, "personality-query"))
		return personality(0xffffffff) < 0 ? -1 : 0;
	if (!strcmp(name, "personality-exec"))
		return personality(READ_IMPLIES_EXEC) < 0 ? -1 : 0;
	if (!strcmp(name, "socket-inet"))
		return close_result(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!strcmp(name, "socket-vsock"))
		return close_result(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!strcmp(name, "userfaultfd"))
		return close_result(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
	if (!strcmp(name, "kcmp"))
		return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0) < 0 ? -1 : 0;
	if (!strcmp(name, "mkdir")) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/probe-%d", getpid());
		long rc = mkdir(path, 0700);
		if (rc == 0)
			rmdir(path);
		return rc;
	}
	errno = EINVAL;
	fprintf(stderr, "syscall-probe: unknown check \"%s\"\n", name);
	return -2;
}

/* Each check runs in a child of its own: one that succeeds (a new user namespace) changes nothing for the next. */
int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("syscall-probe: fork");
			return 1;
		}
		if (pid == 0) {
			errno = 0;
			long rc = check(argv[i]);
			if (rc == -2)
				_exit(2);
			if (rc < 0)
				printf("%s: %s\n", argv[i], strerror(errno));
			else
				printf("%s: ok\n", argv[i]);
			fflush(stdout);
			_exit(0);
		}
		int st = 0;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
			printf("%s: killed by signal %d\n", argv[i], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			fflush(stdout);
		} else if (WEXITSTATUS(st) != 0) {
			status = WEXITSTATUS(st);
		}
	}
	return status;
}
