/*
 * berth-runner: runs one plan for the `berth-runtime` CLI (create, run, exec).
 *
 *   berth-runner [--wait]     plan on fd 3 (until EOF), reports on fd 4
 *
 * Reports (framed, enum bp_shim_msg): BM_STARTED pid, or BM_START_FAILED failure. With --wait the
 * runner stays the process's parent, forwards signals to it and exits with its status (as
 * `runc run` and `runc exec` do); without, it exits as soon as the process is ready or running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "berth-plan.h"
#include "plan.h"
#include "report.h"
#include "spawn.h"

static volatile pid_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* runc's console-socket protocol: the pty master travels as SCM_RIGHTS with its name as data. */
static int send_console(const char *sock_path, int master, const char *name)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(s);
		return -1;
	}
	struct iovec iov = { (void *)name, strlen(name) };
	int rc = bp_send_fd(s, master, &iov, 1);
	close(s);
	return rc;
}

int main(int argc, char **argv)
{
	int wait_child = argc > 1 && strcmp(argv[1], "--wait") == 0;
	struct bp_buf buf = { 0 };
	struct bp_plan plan;
	if (bp_buf_read_fd(&buf, 3) < 0 || bp_plan_parse(buf.data, buf.len, &plan) < 0) {
		fprintf(stderr, "berth-runner: cannot read the plan on fd 3: %s\n", strerror(errno ? errno : EINVAL));
		return 2;
	}
	close(3);

	struct bp_stdio stdio = { { 0, 1, 2 } };
	struct bp_spawn_result res = { 0 };
	const char *console_sock = NULL;
	uint32_t console_index = 0;
	for (size_t i = 0; i < plan.n; i++) {
		if (plan.recs[i].tag == BP_CONSOLE) {
			console_sock = bp_str(&plan.recs[i], 0, 0);
			console_index = (uint32_t)i;
		}
	}
	if (bp_spawn(&plan, &stdio, &res) < 0) {
		fprintf(stderr, "berth-runner: %s\n", strerror(errno));
		return 2;
	}
	if (res.state != BP_SPAWN_FAILED && console_sock) {
		/* The process made its terminal in its own devpts; its master goes where runc sends it. */
		unsigned n = 0;
		char name[64] = "";
		if (res.console_fd >= 0 && ioctl(res.console_fd, TIOCGPTN, &n) == 0)
			snprintf(name, sizeof(name), "/dev/pts/%u", n);
		if (res.console_fd < 0 || send_console(console_sock, res.console_fd, name) < 0) {
			res.failure.op = BP_CONSOLE;
			res.failure.op_index = console_index;
			res.failure.sys = BP_SYS_SENDMSG;
			res.failure.err = res.console_fd < 0 ? EPROTO : errno;
			snprintf(res.failure.path, sizeof(res.failure.path), "%s", console_sock);
			kill(res.pid, SIGKILL);
			waitpid(res.pid, NULL, 0);
			res.state = BP_SPAWN_FAILED;
		}
		if (res.console_fd >= 0)
			close(res.console_fd);
	}
	if (res.state == BP_SPAWN_FAILED) {
		struct bp_buf b = { 0 };
		bp_failure_encode(&res.failure, &b);
		bp_write_msg(4, BM_START_FAILED, b.data, (uint32_t)b.len);
		return 1;
	}
	int32_t pid = res.pid;
	bp_write_msg(4, BM_STARTED, &pid, sizeof(pid));
	close(4);
	if (!wait_child)
		return 0;

	child_pid = res.pid;
	struct sigaction sa = { .sa_handler = forward };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	int status;
	while (waitpid(res.pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 2;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
