#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth-plan.h"
#include "hooks.h"
#include "ops.h"
#include "report.h"

int bp_failure_encode(const struct bp_failure *f, struct bp_buf *out)
{
	if (bp_buf_u32(out, f->op_index) || bp_buf_u32(out, f->op) || bp_buf_u32(out, f->sys) ||
	    bp_buf_u32(out, (uint32_t)f->err))
		return -1;
	return bp_buf_put(out, f->path, strlen(f->path) + 1);
}

int bp_failure_decode(const uint8_t *p, size_t n, struct bp_failure *f)
{
	if (n < 16)
		return -1;
	memcpy(&f->op_index, p, 4);
	memcpy(&f->op, p + 4, 4);
	memcpy(&f->sys, p + 8, 4);
	memcpy(&f->err, p + 12, 4);
	size_t pl = n - 16;
	if (pl >= sizeof(f->path))
		pl = sizeof(f->path) - 1;
	memcpy(f->path, p + 16, pl);
	f->path[pl] = 0;
	return 0;
}

/* Moves the given fds to 0, 1, 2 without one clobbering another. */
static int setup_stdio(const struct bp_stdio *stdio)
{
	int tmp[3];
	for (int i = 0; i < 3; i++) {
		int src = stdio->fd[i];
		if (src < 0)
			src = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (src < 0)
			return -1;
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, 10);
		if (tmp[i] < 0)
			return -1;
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(tmp[i], i) < 0)
			return -1;
		close(tmp[i]);
	}
	return 0;
}

/* The spawner may ignore or block signals (the shim uses a signalfd); the program starts clean. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void child_main(const struct bp_plan *plan, const struct bp_stdio *stdio, int report)
{
	struct bp_failure f = { 0 };
	/*
	 * Until it execs, this process is a copy of the shim: other processes of a container must not
	 * reach it through /proc/<pid>/exe or /proc/<pid>/fd (CVE-2019-5736). The exec resets it.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (setup_stdio(stdio) < 0) {
		f.sys = BP_SYS_DUP;
		f.err = errno;
		bp_report_failure(report, &f);
		_exit(127);
	}
	reset_signals();
	bp_run_ops(plan, 0, report, &f);
	bp_report_failure(report, &f);
	_exit(127);
}

static pid_t reap(pid_t pid)
{
	pid_t r;
	do
		r = waitpid(pid, NULL, __WALL);
	while (r < 0 && errno == EINTR);
	return r;
}

int bp_spawn(const struct bp_plan *plan, const struct bp_stdio *stdio, struct bp_spawn_result *res)
{
	uint64_t flags = 0;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->recs[i].tag == BP_CLONE_FLAGS)
			bp_u64(&plan->recs[i], 0, &flags);

	memset(res, 0, sizeof(*res));
	res->console_fd = -1;
	/* A socket rather than a pipe, so that a pty master can travel on it too. */
	int p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		res->state = BP_SPAWN_FAILED;
		res->failure.op = BP_CLONE_FLAGS;
		res->failure.sys = BP_SYS_CLONE;
		res->failure.err = e;
		return 0;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(plan, stdio, p[1]);
	}
	close(p[1]);

	res->pid = pid;
	res->state = BP_SPAWN_EXECED; /* EOF without a report: the exec closed the pipe */
	pid_t intermediate = 0;
	for (;;) {
		uint32_t kind, len;
		uint8_t *payload;
		int rx_fd;
		int rc = bp_read_msg_fd(p[0], &kind, &payload, &len, &rx_fd);
		if (rc <= 0)
			break;
		if (kind == BP_REPORT_CONSOLE && rx_fd >= 0) {
			if (res->console_fd >= 0)
				close(res->console_fd);
			res->console_fd = rx_fd;
		} else if (rx_fd >= 0) {
			close(rx_fd);
		}
		if (kind == BP_REPORT_CHILD_PID && len == 4) {
			intermediate = res->pid;
			memcpy(&res->pid, payload, 4);
		} else if (kind == BP_REPORT_HOOKS) {
			/* Hooks of the runtime's namespaces (prestart, createRuntime), with the process's host pid. */
			int ok = 1;
			for (uint32_t off = 0; ok && off + 4 <= len; off += 4) {
				uint32_t stage;
				memcpy(&stage, payload + off, 4);
				ok = bp_run_hooks(plan, stage, res->pid, &res->failure) == 0;
			}
			if (ok && bp_write_msg(p[0], BP_REPORT_HOOKS, NULL, 0) < 0)
				ok = 0;
			if (!ok) {
				res->state = BP_SPAWN_FAILED;
				kill(res->pid, SIGKILL);
			}
		} else if (kind == BP_REPORT_READY) {
			res->state = BP_SPAWN_READY;
			free(payload);
			break;
		} else if (kind == BP_REPORT_FAILED) {
			res->state = BP_SPAWN_FAILED;
			bp_failure_decode(payload, len, &res->failure);
		}
		free(payload);
		if (res->state == BP_SPAWN_FAILED)
			break;
	}
	close(p[0]);
	if (intermediate)
		reap(intermediate);
	if (res->state == BP_SPAWN_FAILED) {
		reap(res->pid);
		if (res->console_fd >= 0) {
			close(res->console_fd);
			res->console_fd = -1;
		}
	}
	return 0;
}
