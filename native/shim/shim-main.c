/*
 * berth-shim                        config message (BM_CONFIG) on fd 3, which stays the channel
 * berth-shim attach SOCKET FLAGS [KEYS]   hands the socket on fd 3 to a running shim
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "berth-plan.h"
#include "plan.h"
#include "report.h"
#include "shim.h"
#include "spawn.h"

#define PIPE_SIZE (256 * 1024)
#define DRAIN_IDLE_NS (2000000000ull) /* after the exit, give up on output that stops coming */
#define BATCH_WINDOW_NS (1000000ull)   /* reads closer than this are a stream worth batching */
#define BATCH_DELAY_US 250
#define EXIT_ACK_WAIT_NS (2000000000ull) /* a daemon that does not answer is not waited for longer */

int handoff_main(int argc, char **argv);

static char io_buf[128 * 1024];

uint64_t now_unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ev_add(struct shim *s, int fd, uint32_t events, struct ev_src *src)
{
	struct epoll_event e = { .events = events, .data.ptr = src };
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
}

void ev_mod(struct shim *s, int fd, uint32_t events, struct ev_src *src)
{
	struct epoll_event e = { .events = events, .data.ptr = src };
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &e);
}

void ev_del(struct shim *s, int fd)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void ev_retire(struct shim *s, int fd, struct ev_src *src)
{
	ev_del(s, fd);
	close(fd);
	src->kind = EV_DEAD;
	src->dead_next = s->dead;
	s->dead = src;
}

static void free_retired(struct shim *s)
{
	while (s->dead) {
		struct ev_src *d = s->dead;
		s->dead = d->dead_next;
		free(d); /* the ev_src is the first member of the client or controller */
	}
}

static int listen_unix(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		close(fd);
		return -1;
	}
	strcpy(a.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	chmod(path, 0600);
	return fd;
}

/* The process's stdio: a pty, or pipes whose far ends go to the child. */
static int setup_stdio(struct shim *s, struct bp_stdio *child)
{
	child->fd[0] = child->fd[1] = child->fd[2] = -1;
	s->in_fd = s->out_fd = s->err_fd = -1;
	if (s->cfg.tty)
		return 0; /* the process makes its pty and sends the master: in its plan, or to the console socket */
	int p[2];
	if (s->cfg.stdin_open) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		child->fd[0] = p[0];
		s->in_fd = p[1];
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fcntl(p[0], F_SETPIPE_SZ, PIPE_SIZE);
	s->out_fd = p[0];
	child->fd[1] = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	s->err_fd = p[0];
	child->fd[2] = p[1];
	return 0;
}

/* Runs argv with the given stdio; returns its pid. */
static pid_t run_cmd(char **argv, const struct bp_stdio *stdio)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int tmp[3];
	for (int i = 0; i < 3; i++) {
		int src = stdio->fd[i] >= 0 ? stdio->fd[i] : open("/dev/null", O_RDWR | O_CLOEXEC);
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, 10);
	}
	for (int i = 0; i < 3; i++)
		dup2(tmp[i], i);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

static int wait_cmd(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

static int recv_fd(int sock)
{
	char data[512], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Creates the process through an OCI runtime's commands (create, then start). */
static int spawn_cmd(struct shim *s, const struct bp_stdio *stdio, struct bp_spawn_result *res)
{
	int console = -1;
	if (s->cfg.console_socket && (console = listen_unix(s->cfg.console_socket)) < 0)
		goto fail_sys;
	pid_t cmd = run_cmd(s->cfg.cmd_argv, stdio);
	if (cmd < 0)
		goto fail_sys;
	if (s->cfg.cmd_waits) {
		res->state = BP_SPAWN_EXECED;
		res->pid = cmd;
	} else {
		int st = wait_cmd(cmd);
		if (st != 0) {
			res->state = BP_SPAWN_FAILED;
			res->failure.op = BS_CMD_ARG;
			res->failure.err = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			snprintf(res->failure.path, sizeof(res->failure.path), "%s", s->cfg.cmd_argv[0]);
			goto out;
		}
		FILE *f = s->cfg.pid_file ? fopen(s->cfg.pid_file, "re") : NULL;
		int pid = 0;
		if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
			if (f)
				fclose(f);
			res->state = BP_SPAWN_FAILED;
			res->failure.op = BS_PID_FILE;
			res->failure.sys = BP_SYS_OPEN;
			res->failure.err = errno ? errno : EINVAL;
			snprintf(res->failure.path, sizeof(res->failure.path), "%s", s->cfg.pid_file ? s->cfg.pid_file : "");
			goto out;
		}
		fclose(f);
		res->pid = pid;
		res->state = BP_SPAWN_EXECED;
	}
	if (console >= 0) {
		/* The runtime connected and sent the master before its create returned. */
		int conn = accept4(console, NULL, NULL, SOCK_CLOEXEC);
		int m = conn >= 0 ? recv_fd(conn) : -1;
		if (conn >= 0)
			close(conn);
		if (m < 0) {
			res->state = BP_SPAWN_FAILED;
			res->failure.op = BS_CONSOLE_SOCKET;
			res->failure.sys = BP_SYS_PTY;
			res->failure.err = errno;
			goto out;
		}
		if (s->cfg.rows && s->cfg.cols) {
			struct winsize ws = { .ws_row = s->cfg.rows, .ws_col = s->cfg.cols };
			ioctl(m, TIOCSWINSZ, &ws);
		}
		s->out_fd = m;
		if (s->cfg.stdin_open)
			s->in_fd = fcntl(m, F_DUPFD_CLOEXEC, 3);
	}
	if (s->cfg.nstart) {
		int st = wait_cmd(run_cmd(s->cfg.start_argv, &(struct bp_stdio){ { -1, -1, -1 } }));
		if (st != 0) {
			kill(res->pid, SIGKILL);
			res->state = BP_SPAWN_FAILED;
			res->failure.op = BS_START_ARG;
			res->failure.err = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			snprintf(res->failure.path, sizeof(res->failure.path), "%s", s->cfg.start_argv[0]);
		}
	}
out:
	if (console >= 0) {
		close(console);
		unlink(s->cfg.console_socket);
	}
	return 0;
fail_sys:
	res->state = BP_SPAWN_FAILED;
	res->failure.sys = BP_SYS_CLONE;
	res->failure.err = errno;
	return 0;
}

static void cleanup_dirs(struct shim *s)
{
	for (size_t i = 0; i < s->cfg.nrmdirs; i++) {
		/* The last processes of a cgroup may take a moment to leave it. */
		for (int tries = 0; tries < 50; tries++) {
			if (rmdir(s->cfg.rmdirs[i]) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY)
				break;
			usleep(2000);
		}
	}
}

static void write_exit_file(struct shim *s, const char *oom, size_t oom_len)
{
	if (!s->cfg.exit_path)
		return;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->cfg.exit_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char head[96];
	int n = snprintf(head, sizeof(head), "%d %llu %d\n", s->exit_status, (unsigned long long)s->exit_ns, s->pid);
	int ok = write(fd, head, (size_t)n) == n && write(fd, oom, oom_len) == (ssize_t)oom_len && fdatasync(fd) == 0;
	close(fd);
	if (ok)
		rename(tmp, s->cfg.exit_path);
}

static void flush_clients_and_close(struct shim *s)
{
	while (s->clients) {
		struct client *c = s->clients;
		/* Give a slow reader a bounded time to take the end of the output. */
		client_drain(c, 5);
		shutdown(c->fd, SHUT_WR);
		c->input_done = 1;
		client_close(s, c);
	}
}

static void wait_exit_ack(struct shim *s)
{
	uint64_t deadline = mono_ns() + EXIT_ACK_WAIT_NS;
	struct epoll_event evs[8];
	while (!s->exit_acked && s->controllers) {
		uint64_t now = mono_ns();
		if (now >= deadline)
			break;
		int n = epoll_wait(s->epfd, evs, 8, (int)((deadline - now) / 1000000ull) + 1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct ev_src *src = evs[i].data.ptr;
			if (src->kind == EV_CONTROLLER)
				controller_event(s, (struct controller *)src, evs[i].events);
		}
		free_retired(s);
	}
}

static __attribute__((noreturn)) void finish(struct shim *s)
{
	log_writer_close(&s->log);
	char oom[4096];
	size_t oom_len = 0;
	if (s->cfg.oom_file) {
		int fd = open(s->cfg.oom_file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t r = read(fd, oom, sizeof(oom));
			oom_len = r > 0 ? (size_t)r : 0;
			close(fd);
		}
	}
	write_exit_file(s, oom, oom_len);
	struct bp_buf b = { 0 };
	bp_buf_u32(&b, (uint32_t)s->exit_status);
	bp_buf_u32(&b, (uint32_t)s->pid);
	bp_buf_u64(&b, s->exit_ns);
	bp_buf_put(&b, oom, oom_len);
	/*
	 * Clients' streams end only once the daemon has recorded the exit: a client asks for the exit
	 * code as soon as its stream ends (docker exec inspects the exec), and the daemon may read
	 * that request before this message. Without a daemon, nothing is waited for.
	 */
	controllers_broadcast(s, BM_EXIT, b.data, (uint32_t)b.len);
	wait_exit_ack(s);
	flush_clients_and_close(s);
	if (s->in_fd >= 0)
		close(s->in_fd);
	cleanup_dirs(s);
	if (s->cfg.socket_path)
		unlink(s->cfg.socket_path);
	exit(0);
}

static void reap(struct shim *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
	}
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0)
			break;
		if (p == s->pid && !s->exited) {
			s->exited = 1;
			s->exit_status = st;
			s->exit_ns = now_unix_ns();
			s->drain_deadline_ns = mono_ns() + DRAIN_IDLE_NS;
		}
	}
}

static void output_event(struct shim *s, int *fd, int stream)
{
	ssize_t r = read(*fd, io_buf, sizeof(io_buf));
	if (r > 0) {
		size_t got = (size_t)r;
		uint64_t now = mono_ns();
		/*
		 * Output arriving in small pieces back to back (a program writing line by line as fast
		 * as it can) is taken in larger batches: a quarter of a millisecond lets more gather,
		 * and each wakeup saved is a log write, a client write and a context switch. A lone
		 * line (the last read was long ago) goes out at once.
		 */
		if (now - s->last_output_ns < BATCH_WINDOW_NS && got < sizeof(io_buf) / 2) {
			usleep(BATCH_DELAY_US);
			ssize_t more = read(*fd, io_buf + got, sizeof(io_buf) - got);
			if (more > 0)
				got += (size_t)more;
		}
		s->last_output_ns = now;
		relay_output(s, stream, io_buf, got);
		s->drain_deadline_ns = now + DRAIN_IDLE_NS;
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF, or EIO from a pty whose last holder closed it. */
	ev_del(s, *fd);
	close(*fd);
	*fd = -1;
}

static int config_from_fd3(struct shim *s, uint8_t **raw)
{
	uint32_t kind, len;
	if (bp_read_msg(3, &kind, raw, &len) != 1 || kind != BM_CONFIG)
		return -1;
	return shim_config_parse(*raw, len, &s->cfg);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "attach") == 0)
		return handoff_main(argc, argv);

	static struct shim shim;
	struct shim *s = &shim;
	uint8_t *raw = NULL;
	signal(SIGPIPE, SIG_IGN);
	if (config_from_fd3(s, &raw) < 0) {
		fprintf(stderr, "berth-shim: no valid configuration on fd 3\n");
		return 2;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s->listen_fd = -1;

	struct bp_stdio child;
	struct bp_spawn_result res = { 0 };
	if (setup_stdio(s, &child) < 0) {
		res.state = BP_SPAWN_FAILED;
		res.failure.sys = BP_SYS_PTY;
		res.failure.err = errno;
	} else if (log_writer_open(&s->log, s->cfg.log_path, &(struct log_rotation){ s->cfg.log_max_size, s->cfg.log_max_files, (int)s->cfg.log_compress }) < 0) {
		res.state = BP_SPAWN_FAILED;
		res.failure.sys = BP_SYS_OPEN;
		res.failure.err = errno;
		snprintf(res.failure.path, sizeof(res.failure.path), "%s", s->cfg.log_path);
	} else if (s->cfg.socket_path && (s->listen_fd = listen_unix(s->cfg.socket_path)) < 0) {
		res.state = BP_SPAWN_FAILED;
		res.failure.sys = BP_SYS_SOCKET;
		res.failure.err = errno;
		snprintf(res.failure.path, sizeof(res.failure.path), "%s", s->cfg.socket_path);
	} else if (s->cfg.plan) {
		struct bp_plan plan;
		if (bp_plan_parse(s->cfg.plan, s->cfg.plan_len, &plan) < 0) {
			res.state = BP_SPAWN_FAILED;
			res.failure.sys = BP_SYS_PLAN;
			res.failure.err = EINVAL;
		} else if (bp_spawn(&plan, &child, &res) < 0) {
			res.state = BP_SPAWN_FAILED;
			res.failure.sys = BP_SYS_CLONE;
			res.failure.err = errno;
		} else if (res.state != BP_SPAWN_FAILED && s->cfg.tty) {
			if (res.console_fd < 0) {
				res.state = BP_SPAWN_FAILED;
				res.failure.sys = BP_SYS_PTY;
				res.failure.err = EPROTO;
				snprintf(res.failure.path, sizeof(res.failure.path), "the plan made no terminal");
			} else {
				s->out_fd = res.console_fd;
				if (s->cfg.stdin_open)
					s->in_fd = fcntl(res.console_fd, F_DUPFD_CLOEXEC, 3);
			}
		}
	} else {
		spawn_cmd(s, &child, &res);
	}
	/* The child's ends belong to the child now (a tty's slave is one fd three times). */
	for (int i = 0; i < 3; i++) {
		if (child.fd[i] >= 0 && (i == 0 || child.fd[i] != child.fd[i - 1]))
			close(child.fd[i]);
	}

	if (res.state == BP_SPAWN_FAILED) {
		struct bp_buf b = { 0 };
		bp_failure_encode(&res.failure, &b);
		bp_write_msg(3, BM_START_FAILED, b.data, (uint32_t)b.len);
		cleanup_dirs(s);
		if (s->cfg.socket_path && s->listen_fd >= 0)
			unlink(s->cfg.socket_path);
		return 1;
	}
	s->pid = res.pid;
	int32_t pid = s->pid;
	bp_write_msg(3, BM_STARTED, &pid, sizeof(pid));

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->ev_signal.kind = EV_SIGNAL;
	s->ev_listen.kind = EV_LISTEN;
	s->ev_out.kind = EV_OUT;
	s->ev_err.kind = EV_ERR;
	s->ev_in.kind = EV_IN;
	ev_add(s, s->sigfd, EPOLLIN, &s->ev_signal);
	if (s->listen_fd >= 0)
		ev_add(s, s->listen_fd, EPOLLIN, &s->ev_listen);
	int fds[3] = { s->out_fd, s->err_fd, s->in_fd };
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	if (s->out_fd >= 0)
		ev_add(s, s->out_fd, EPOLLIN, &s->ev_out);
	if (s->err_fd >= 0)
		ev_add(s, s->err_fd, EPOLLIN, &s->ev_err);
	if (s->in_fd >= 0)
		ev_add(s, s->in_fd, 0, &s->ev_in);
	controller_add(s, 3);
	for (size_t i = 0; i < s->cfg.nattach; i++) {
		struct attach_config *a = &s->cfg.attach[i];
		client_add(s, a->fd, a->flags, a->keys, a->nkeys);
	}

	struct epoll_event evs[32];
	for (;;) {
		int timeout = -1;
		if (s->exited) {
			if (s->out_fd < 0 && s->err_fd < 0)
				break;
			uint64_t now = mono_ns();
			if (now >= s->drain_deadline_ns)
				break;
			timeout = (int)((s->drain_deadline_ns - now) / 1000000ull) + 1;
		}
		/* Log entries are written in batches: whenever there is nothing else to do right now. */
		int n = epoll_wait(s->epfd, evs, 32, 0);
		if (n == 0) {
			log_writer_flush(&s->log);
			clients_flush(s);
			n = epoll_wait(s->epfd, evs, 32, timeout);
		}
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct ev_src *src = evs[i].data.ptr;
			uint32_t e = evs[i].events;
			switch (src->kind) {
			case EV_SIGNAL:
				reap(s);
				break;
			case EV_LISTEN: {
				int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (c >= 0)
					controller_add(s, c);
				break;
			}
			case EV_OUT:
				output_event(s, &s->out_fd, BS_STREAM_STDOUT);
				break;
			case EV_ERR:
				output_event(s, &s->err_fd, BS_STREAM_STDERR);
				break;
			case EV_IN:
				if (e & (EPOLLERR | EPOLLHUP)) {
					s->in_npending = 0;
					stdin_close(s);
				} else {
					stdin_flush(s);
				}
				break;
			case EV_CLIENT:
				client_event(s, (struct client *)src, e);
				break;
			case EV_CONTROLLER:
				controller_event(s, (struct controller *)src, e);
				break;
			case EV_DEAD:
				break; /* closed by an earlier event of this batch */
			}
		}
		free_retired(s);
	}
	s->finishing = 1;
	finish(s); /* the configuration (and raw, which it points into) lives until the exit */
}
