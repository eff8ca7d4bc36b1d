/* Moving bytes: the process's output to the log and to attached clients, clients' input to the process. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "berth-plan.h"
#include "shim.h"

#define STDIN_BUFFER_MAX (1u << 20)
#define NO_FRAME ((size_t)-1)
/* Output is written to a client when this much is buffered, or when the shim would wait. */
#define CLIENT_FLUSH_AT (64u * 1024)
/* A client this far behind stops the reading of the process's output (backpressure). */
#define CLIENT_HIGH_WATER (512u * 1024)
#define MAX_FRAME (1u << 20)

static int outputs_paused;

static uint32_t client_interest(const struct shim *s, const struct client *c)
{
	uint32_t ev = 0;
	int wants_input = (c->flags & BS_ATTACH_STDIN) && !c->input_done;
	/* Stop taking input while the process has not taken the last of it. */
	if (wants_input && s->in_npending < STDIN_BUFFER_MAX)
		ev |= EPOLLIN;
	if (c->blocked)
		ev |= EPOLLOUT;
	return ev;
}

static void client_update(struct shim *s, struct client *c)
{
	ev_mod(s, c->fd, client_interest(s, c), &c->ev);
}

void client_add(struct shim *s, int fd, uint32_t flags, const char *keys, size_t nkeys)
{
	struct client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	c->ev.kind = EV_CLIENT;
	c->fd = fd;
	c->flags = flags;
	c->frame_at = NO_FRAME;
	c->nkeys = nkeys > MAX_DETACH_KEYS ? MAX_DETACH_KEYS : nkeys;
	memcpy(c->keys, keys, c->nkeys);
	if (!(flags & BS_ATTACH_STDIN) || s->in_fd < 0)
		c->input_done = 1;
	c->next = s->clients;
	s->clients = c;
	ev_add(s, fd, client_interest(s, c), &c->ev);
}

void client_close(struct shim *s, struct client *c)
{
	struct client **pp = &s->clients;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	/* A client that attached stdin and went away ends the input of a stdin-once process. */
	if ((c->flags & BS_ATTACH_STDIN) && !c->input_done && s->cfg.stdin_once)
		stdin_close(s);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
	ev_retire(s, c->fd, &c->ev);
	outputs_update_interest(s);
}

int clients_pending(const struct shim *s)
{
	for (const struct client *c = s->clients; c; c = c->next)
		if (c->out_len - c->out_off >= CLIENT_HIGH_WATER)
			return 1;
	return 0;
}

void outputs_update_interest(struct shim *s)
{
	int pause = clients_pending(s);
	if (pause == outputs_paused)
		return;
	outputs_paused = pause;
	uint32_t ev = pause ? 0 : EPOLLIN;
	if (s->out_fd >= 0)
		ev_mod(s, s->out_fd, ev, &s->ev_out);
	if (s->err_fd >= 0)
		ev_mod(s, s->err_fd, ev, &s->ev_err);
}

static int client_reserve(struct client *c, size_t n)
{
	if (c->out_off && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		c->frame_at = NO_FRAME;
	}
	if (c->out_len + n <= c->out_cap)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 16384;
	while (cap < c->out_len + n)
		cap *= 2;
	char *g = realloc(c->out, cap);
	if (!g)
		return -1;
	c->out = g;
	c->out_cap = cap;
	return 0;
}

/* Appends output for a client, extending its open frame when the stream is the same. */
static int client_append(struct client *c, int stream, const char *data, size_t n)
{
	if (client_reserve(c, n + 8) < 0)
		return -1;
	if (c->flags & BS_ATTACH_MUX) {
		int extend = c->frame_at != NO_FRAME && c->frame_at >= c->out_off && c->frame_stream == stream &&
			     c->out_len - c->frame_at - 8 + n <= MAX_FRAME;
		if (!extend) {
			c->frame_at = c->out_len;
			c->frame_stream = stream;
			unsigned char hdr[8] = { (unsigned char)stream, 0, 0, 0, 0, 0, 0, 0 };
			memcpy(c->out + c->out_len, hdr, 8);
			c->out_len += 8;
		}
		memcpy(c->out + c->out_len, data, n);
		c->out_len += n;
		uint32_t len = (uint32_t)(c->out_len - c->frame_at - 8);
		unsigned char *h = (unsigned char *)c->out + c->frame_at + 4;
		h[0] = (unsigned char)(len >> 24);
		h[1] = (unsigned char)(len >> 16);
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 0;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
	return 0;
}

/* Writes what the socket takes now; -1 when the client is gone. */
static int client_flush(struct shim *s, struct client *c)
{
	int was_blocked = c->blocked;
	c->blocked = 0;
	while (c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			c->blocked = 1;
			break;
		}
		c->out_off += (size_t)w;
		/* Once its header is out, a frame can no longer grow. */
		if (c->frame_at != NO_FRAME && c->out_off > c->frame_at)
			c->frame_at = NO_FRAME;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		c->frame_at = NO_FRAME;
	}
	if (was_blocked != c->blocked)
		client_update(s, c);
	return 0;
}

void clients_flush(struct shim *s)
{
	struct client *next;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (c->out_len > c->out_off && client_flush(s, c) < 0)
			client_close(s, c);
	}
	outputs_update_interest(s);
}

void client_drain(struct client *c, int timeout_s)
{
	if (c->out_len <= c->out_off)
		return;
	int fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	struct timeval tv = { .tv_sec = timeout_s };
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (w <= 0)
			break;
		c->out_off += (size_t)w;
	}
}

void relay_output(struct shim *s, int stream, const char *data, size_t n)
{
	log_writer_feed(&s->log, stream == BS_STREAM_STDERR ? &s->log.err : &s->log.out, data, n);
	uint32_t want = stream == BS_STREAM_STDERR ? BS_ATTACH_STDERR : BS_ATTACH_STDOUT;
	struct client *next;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (!(c->flags & want))
			continue;
		if (client_append(c, stream, data, n) < 0 ||
		    (c->out_len - c->out_off >= CLIENT_FLUSH_AT && client_flush(s, c) < 0)) {
			client_close(s, c);
			continue;
		}
	}
	outputs_update_interest(s);
}

static void stdin_take(struct shim *s, const char *data, size_t n)
{
	if (s->in_fd < 0 || s->in_closed || n == 0)
		return;
	char *g = realloc(s->in_pending, s->in_npending + n);
	if (!g)
		return;
	memcpy(g + s->in_npending, data, n);
	s->in_pending = g;
	s->in_npending += n;
	stdin_flush(s);
}

static void clients_update_input(struct shim *s)
{
	for (struct client *c = s->clients; c; c = c->next)
		if ((c->flags & BS_ATTACH_STDIN) && !c->input_done)
			client_update(s, c);
}

void stdin_flush(struct shim *s)
{
	size_t before = s->in_npending;
	while (s->in_npending) {
		ssize_t w = write(s->in_fd, s->in_pending, s->in_npending);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* The process closed its stdin: what clients send goes nowhere. */
			s->in_npending = 0;
			break;
		}
		memmove(s->in_pending, s->in_pending + w, s->in_npending - (size_t)w);
		s->in_npending -= (size_t)w;
	}
	ev_mod(s, s->in_fd, s->in_npending ? EPOLLOUT : 0, &s->ev_in);
	if ((before >= STDIN_BUFFER_MAX) != (s->in_npending >= STDIN_BUFFER_MAX))
		clients_update_input(s);
	if (!s->in_npending && s->in_closed)
		stdin_close(s);
}

void stdin_close(struct shim *s)
{
	s->in_closed = 1;
	if (s->in_fd < 0 || s->in_npending)
		return; /* closed once what is buffered has been written */
	ev_del(s, s->in_fd);
	if (s->cfg.tty) {
		/* A pty has no half-close: end the input the way a terminal does. */
		char eot = 4;
		if (write(s->in_fd, &eot, 1) < 0) {
		}
	}
	close(s->in_fd);
	s->in_fd = -1;
}

/* Passes input on, watching for the client's detach keys; returns 1 when the client detached. */
static int client_input(struct shim *s, struct client *c, const char *data, size_t n)
{
	if (c->nkeys == 0) {
		stdin_take(s, data, n);
		return 0;
	}
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (data[i] == c->keys[c->matched]) {
			if (c->matched == 0) {
				stdin_take(s, data + start, i - start);
			}
			c->matched++;
			start = i + 1;
			if (c->matched == c->nkeys)
				return 1;
			continue;
		}
		if (c->matched) {
			/* Not the sequence after all: what was held back is input. */
			stdin_take(s, c->keys, c->matched);
			c->matched = 0;
			start = i;
			i--;
		}
	}
	if (!c->matched)
		stdin_take(s, data + start, n - start);
	return 0;
}

void client_event(struct shim *s, struct client *c, uint32_t events)
{
	if (events & EPOLLOUT) {
		if (client_flush(s, c) < 0) {
			client_close(s, c);
			return;
		}
		outputs_update_interest(s);
	}
	if (events & EPOLLIN) {
		char buf[65536];
		ssize_t r = read(c->fd, buf, sizeof(buf));
		if (r > 0) {
			if (client_input(s, c, buf, (size_t)r)) {
				client_close(s, c);
				return;
			}
		} else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			/* The client ended its input (docker half-closes) but may still read output. */
			c->input_done = 1;
			if (s->cfg.stdin_once)
				stdin_close(s);
			client_update(s, c);
			if (r < 0) {
				client_close(s, c);
				return;
			}
		}
	}
	if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		client_close(s, c);
}
