#define _GNU_SOURCE
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth-plan.h"

/* op_index says which hook: its stage in the high 16 bits, its place among the stage's hooks in the low. */
static int hook_failed(struct bp_failure *f, uint32_t which, const char *path, uint32_t sys, int err)
{
	f->op = BP_HOOK;
	f->op_index = which;
	f->sys = sys;
	f->err = err;
	snprintf(f->path, sizeof(f->path), "%s", path);
	return -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `pid` up to `timeout_ms` (0: for ever); 1 with its status, 0 on timeout, -1 on error. */
static int wait_for(pid_t pid, uint32_t timeout_ms, int *status)
{
	int pidfd = -1;
#ifdef SYS_pidfd_open
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		pid_t r = waitpid(pid, status, timeout_ms ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			if (pidfd >= 0)
				close(pidfd);
			return -1;
		}
		if (r < 0)
			continue;
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			if (pidfd >= 0)
				close(pidfd);
			return 0;
		}
		if (pidfd >= 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN };
			poll(&p, 1, (int)left);
		} else {
			/* Kernels without pidfds: look again every few milliseconds. */
			struct timespec ts = { 0, 5 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return 1;
}

/* Collects `count` strings from record `r` starting at string `first`; NULL-terminated, malloc'd. */
static char **strings(const struct bp_rec *r, size_t off, int first, int count)
{
	char **v = calloc((size_t)count + 1, sizeof(char *));
	if (!v)
		return NULL;
	for (int i = 0; i < count; i++) {
		v[i] = (char *)bp_str(r, off, first + i);
		if (!v[i]) {
			free(v);
			return NULL;
		}
	}
	return v;
}

static int count_strings(const struct bp_rec *r, size_t off)
{
	int n = 0;
	while (bp_str(r, off, n))
		n++;
	return n;
}

static const struct bp_rec *state_of(const struct bp_plan *plan, uint32_t stage)
{
	for (size_t i = 0; i < plan->n; i++) {
		uint32_t s;
		if (plan->recs[i].tag == BP_HOOK_STATE && bp_u32(&plan->recs[i], 0, &s) == 0 && s == stage)
			return &plan->recs[i];
	}
	return NULL;
}

/* One hook: fork, its state on a pipe as stdin, execve; wait up to its timeout. */
static int run_hook(const struct bp_rec *r, uint32_t index, const struct bp_rec *state, pid_t pid, struct bp_failure *f)
{
	/* u32 stage | u32 timeout ms | u32 argc | path | argv[argc] | env... */
	uint32_t timeout_ms, argc;
	const char *path = bp_str(r, 12, 0);
	if (bp_u32(r, 4, &timeout_ms) || bp_u32(r, 8, &argc) || !path || argc > 4096)
		return hook_failed(f, index, "", BP_SYS_PLAN, EINVAL);
	int total = count_strings(r, 12);
	if (total < 1 + (int)argc)
		return hook_failed(f, index, path, BP_SYS_PLAN, EINVAL);
	char **argv = strings(r, 12, 1, (int)argc);
	char **envp = strings(r, 12, 1 + (int)argc, total - 1 - (int)argc);
	if (!argv || !envp) {
		free(argv);
		free(envp);
		return hook_failed(f, index, path, BP_SYS_PLAN, ENOMEM);
	}
	char pidtext[16];
	snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
	const char *before = state ? bp_str(state, 4, 0) : NULL, *after = state ? bp_str(state, 4, 1) : NULL;

	/* in: the state as the hook's stdin. err: execve's errno, if it fails (close-on-exec: EOF means it ran). */
	int in[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		free(argv);
		free(envp);
		return hook_failed(f, index, path, BP_SYS_HOOK, errno);
	}
	pid_t child = fork();
	if (child == 0) {
		dup2(in[0], 0);
		/* What the caller ignored or blocked, the hook starts with again. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(path, argv, envp);
		int e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	int e = errno;
	close(in[0]);
	close(err[1]);
	free(argv);
	free(envp);
	if (child < 0) {
		close(in[1]);
		close(err[0]);
		return hook_failed(f, index, path, BP_SYS_HOOK, e);
	}
	int exec_errno = 0;
	ssize_t got;
	do
		got = read(err[0], &exec_errno, sizeof(exec_errno));
	while (got < 0 && errno == EINTR);
	close(err[0]);
	if (got == (ssize_t)sizeof(exec_errno)) {
		close(in[1]);
		waitpid(child, NULL, 0);
		return hook_failed(f, index, path, BP_SYS_EXECVE, exec_errno);
	}
	/* A hook that does not read its stdin must not block us: EPIPE is fine. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	if (before && after && bp_write_full(in[1], before, strlen(before)) == 0 && bp_write_full(in[1], pidtext, strlen(pidtext)) == 0)
		bp_write_full(in[1], after, strlen(after));
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);

	int status = 0;
	int rc = wait_for(child, timeout_ms, &status);
	if (rc == 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return hook_failed(f, index, path, BP_SYS_HOOK, ETIMEDOUT);
	}
	if (rc < 0)
		return hook_failed(f, index, path, BP_SYS_HOOK, errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hook_failed(f, index, path, BP_SYS_HOOK_EXIT, status);
	return 0;
}

int bp_run_hooks(const struct bp_plan *plan, uint32_t stage, pid_t pid, struct bp_failure *f)
{
	const struct bp_rec *state = state_of(plan, stage);
	uint32_t n = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct bp_rec *r = &plan->recs[i];
		uint32_t s;
		if (r->tag != BP_HOOK || bp_u32(r, 0, &s) || s != stage)
			continue;
		if (run_hook(r, stage << 16 | n, state, pid, f) < 0)
			return -1;
		n++;
	}
	return 0;
}
