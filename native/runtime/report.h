/* Reports from a new process to its spawner, on a close-on-exec pipe (enum bp_report_kind). */
#ifndef BERTH_RUNTIME_REPORT_H
#define BERTH_RUNTIME_REPORT_H

#include <sys/types.h>

#include "spawn.h"

void bp_report_pid(int fd, pid_t pid);
void bp_report_ready(int fd);
void bp_report_failure(int fd, const struct bp_failure *f);
/* Sends a descriptor (the pty master) with a BP_REPORT_CONSOLE message. */
int bp_report_console(int fd, int master);
/* Sends `fd` as SCM_RIGHTS along with the bytes of iov on a unix socket; -1 (errno) on failure. */
struct iovec;
int bp_send_fd(int sock, int fd, struct iovec *iov, int iovcnt);

/* Writes and reads one framed message: u32 kind | u32 length | payload. */
int bp_write_msg(int fd, uint32_t kind, const void *payload, uint32_t len);
/* Returns 1 with *payload malloc'd (free it), 0 on EOF, -1 on error. */
int bp_read_msg(int fd, uint32_t *kind, uint8_t **payload, uint32_t *len);
/* The same, also taking a descriptor sent with the message's header (*rx_fd = -1 when none). */
int bp_read_msg_fd(int fd, uint32_t *kind, uint8_t **payload, uint32_t *len, int *rx_fd);

#endif
