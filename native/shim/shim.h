/*
 * berth-shim: one per container (and one per exec). It creates the process (natively from a
 * plan, or through an OCI runtime's commands), holds its stdio or pty, writes the json-file log,
 * serves attached clients, and records the exit status on disk. It outlives the daemon.
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "log-writer.h"

#define MAX_ATTACH_CONFIG 16
#define MAX_ARGV 64
#define MAX_RMDIR 16
#define MAX_DETACH_KEYS 16

struct attach_config {
	int fd;
	uint32_t flags;
	char keys[MAX_DETACH_KEYS];
	size_t nkeys;
};

struct shim_config {
	const char *id, *socket_path, *log_path, *exit_path, *oom_file, *pid_file, *console_socket;
	int tty, stdin_open, stdin_once, cmd_waits;
	uint64_t log_max_size; /* 0: no rotation */
	uint32_t log_max_files, log_compress;
	uint16_t rows, cols;
	const char *rmdirs[MAX_RMDIR];
	size_t nrmdirs;
	struct attach_config attach[MAX_ATTACH_CONFIG];
	size_t nattach;
	const uint8_t *plan;
	size_t plan_len;
	char *cmd_argv[MAX_ARGV + 1];
	size_t ncmd;
	char *start_argv[MAX_ARGV + 1];
	size_t nstart;
};

int shim_config_parse(const uint8_t *buf, size_t len, struct shim_config *c);
/* Parses BM_ATTACH / BS_ATTACH detach-key bytes after a u32 flags field. */
void attach_keys(struct attach_config *a, const uint8_t *p, size_t n);

/* What an epoll entry refers to; the first member of each registered object. */
enum ev_kind { EV_SIGNAL = 1, EV_LISTEN, EV_OUT, EV_ERR, EV_IN, EV_CLIENT, EV_CONTROLLER, EV_DEAD };
struct ev_src {
	enum ev_kind kind;
	struct ev_src *dead_next; /* closed objects are freed after the current batch of events */
};

/* An attached client: a socket that receives output and may send input. */
struct client {
	struct ev_src ev;
	int fd;
	uint32_t flags;
	char keys[MAX_DETACH_KEYS];
	size_t nkeys, matched; /* detach-key progress */
	int input_done;        /* its input half ended */
	char *out;             /* output not yet written: [out_off, out_len) */
	size_t out_len, out_off, out_cap;
	size_t frame_at;       /* the open frame's header offset (merging), or NO_FRAME */
	int frame_stream;
	int blocked;           /* the socket took less than offered: wait for EPOLLOUT */
	struct client *next;
};

/* A controller: the daemon's end of the channel (fd 3) or a connection to the socket. */
struct controller {
	struct ev_src ev;
	int fd;
	uint8_t *in;
	size_t nin, capin;
	int fds[8]; /* received with SCM_RIGHTS, waiting for their message */
	size_t nfds;
	struct controller *next;
};

struct shim {
	struct shim_config cfg;
	int epfd, sigfd, listen_fd;
	struct ev_src ev_signal, ev_listen, ev_out, ev_err, ev_in;
	/* The process's side of stdio, held by the shim. For a tty all three are the pty master. */
	int in_fd, out_fd, err_fd;
	int in_closed;
	char *in_pending; /* stdin bytes not yet taken by the process */
	size_t in_npending;
	struct log_writer log;
	pid_t pid;
	int exited, exit_status;
	uint64_t exit_ns;
	int finishing;
	uint64_t drain_deadline_ns;
	uint64_t last_output_ns;
	struct client *clients;
	struct controller *controllers;
	struct ev_src *dead;
	int exit_acked;
};

/* relay.c: output to clients and log, input from clients */
void relay_output(struct shim *s, int stream, const char *data, size_t n);
void client_add(struct shim *s, int fd, uint32_t flags, const char *keys, size_t nkeys);
void client_event(struct shim *s, struct client *c, uint32_t events);
void client_close(struct shim *s, struct client *c);
/* Writes what clients have buffered (the shim calls it whenever it would wait). */
void clients_flush(struct shim *s);
/* Writes out one client's buffer, blocking up to a timeout (the end of the stream). */
void client_drain(struct client *c, int timeout_s);
int clients_pending(const struct shim *s);
void stdin_flush(struct shim *s);
void stdin_close(struct shim *s);
void outputs_update_interest(struct shim *s);

/* control.c: channel messages */
void controller_add(struct shim *s, int fd);
void controller_event(struct shim *s, struct controller *c, uint32_t events);
void controllers_broadcast(struct shim *s, uint32_t kind, const void *payload, uint32_t len);
void controller_send_state(struct shim *s, int fd);

void ev_add(struct shim *s, int fd, uint32_t events, struct ev_src *src);
void ev_mod(struct shim *s, int fd, uint32_t events, struct ev_src *src);
void ev_del(struct shim *s, int fd);
/* Unregisters and defers the free of a closed client or controller. */
void ev_retire(struct shim *s, int fd, struct ev_src *src);

uint64_t now_unix_ns(void);

#endif
