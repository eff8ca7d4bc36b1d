/* The channel to the daemon: fd 3 from the start, and connections to the shim's socket later. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "berth-plan.h"
#include "report.h"
#include "shim.h"

void controller_add(struct shim *s, int fd)
{
	struct controller *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	c->ev.kind = EV_CONTROLLER;
	c->fd = fd;
	c->next = s->controllers;
	s->controllers = c;
	ev_add(s, fd, EPOLLIN, &c->ev);
}

static void controller_close(struct shim *s, struct controller *c)
{
	struct controller **pp = &s->controllers;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->in);
	c->in = NULL;
	ev_retire(s, c->fd, &c->ev);
}

void controller_send_state(struct shim *s, int fd)
{
	struct {
		int32_t pid;
		uint32_t running;
		int32_t status;
		uint64_t exit_ns;
	} __attribute__((packed)) st = { s->pid, !s->exited, s->exit_status, s->exit_ns };
	bp_write_msg(fd, BM_STATE, &st, sizeof(st));
}

void controllers_broadcast(struct shim *s, uint32_t kind, const void *payload, uint32_t len)
{
	for (struct controller *c = s->controllers; c; c = c->next) {
		/* Messages are small; a controller that cannot take one is not waited for. */
		bp_write_msg(c->fd, kind, payload, len);
	}
}

static void handle(struct shim *s, struct controller *c, uint32_t kind, const uint8_t *p, uint32_t len)
{
	uint32_t u;
	switch (kind) {
	case BM_HELLO:
		controller_send_state(s, c->fd);
		break;
	case BM_RESIZE:
		if (len >= 4 && s->cfg.tty && s->out_fd >= 0) {
			struct winsize ws = { 0 };
			memcpy(&ws.ws_row, p, 2);
			memcpy(&ws.ws_col, p + 2, 2);
			ioctl(s->out_fd, TIOCSWINSZ, &ws);
		}
		break;
	case BM_KILL:
		/* Never signal a pid that has been reaped: it may belong to someone else by now. */
		if (len >= 4 && !s->exited && s->pid > 0) {
			memcpy(&u, p, 4);
			kill(s->pid, (int)u);
		}
		break;
	case BM_ATTACH: {
		if (c->nfds == 0 || len < 4)
			break;
		int fd = c->fds[0];
		memmove(c->fds, c->fds + 1, --c->nfds * sizeof(int));
		memcpy(&u, p, 4);
		if (s->finishing) {
			close(fd);
		} else {
			client_add(s, fd, u, (const char *)p + 4, len - 4);
		}
		bp_write_msg(c->fd, BM_ACK, NULL, 0);
		break;
	}
	case BM_CLOSE_STDIN:
		stdin_close(s);
		break;
	case BM_EXIT_ACK:
		s->exit_acked = 1;
		break;
	default:
		break; /* a newer daemon's message: ignored */
	}
}

void controller_event(struct shim *s, struct controller *c, uint32_t events)
{
	if (events & EPOLLIN) {
		if (c->capin - c->nin < 4096) {
			size_t cap = c->capin ? c->capin * 2 : 8192;
			uint8_t *g = realloc(c->in, cap);
			if (!g) {
				controller_close(s, c);
				return;
			}
			c->in = g;
			c->capin = cap;
		}
		char cbuf[CMSG_SPACE(8 * sizeof(int))];
		struct iovec iov = { c->in + c->nin, c->capin - c->nin };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t r = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			controller_close(s, c);
			return;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(cm);
			for (size_t i = 0; i < n; i++) {
				if (c->nfds < 8)
					c->fds[c->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		}
		c->nin += (size_t)r;
		size_t off = 0;
		while (c->nin - off >= BP_MESSAGE_HEADER) {
			uint32_t kind, len;
			memcpy(&kind, c->in + off, 4);
			memcpy(&len, c->in + off + 4, 4);
			if (len > BP_MAX_MESSAGE) {
				controller_close(s, c);
				return;
			}
			if (c->nin - off - BP_MESSAGE_HEADER < len)
				break;
			handle(s, c, kind, c->in + off + BP_MESSAGE_HEADER, len);
			off += BP_MESSAGE_HEADER + len;
		}
		memmove(c->in, c->in + off, c->nin - off);
		c->nin -= off;
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		controller_close(s, c);
}
