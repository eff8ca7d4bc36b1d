/* Creating the process a plan describes. */
#ifndef BERTH_RUNTIME_SPAWN_H
#define BERTH_RUNTIME_SPAWN_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

/* What failed in the child: the record index and op, the syscall, errno and the path involved. */
struct bp_failure {
	uint32_t op_index;
	uint32_t op;
	uint32_t sys;
	int32_t err;
	char path[PATH_MAX];
};

/* The child's fds 0, 1, 2 (-1 = /dev/null). */
struct bp_stdio {
	int fd[3];
};

enum bp_spawn_state {
	BP_SPAWN_EXECED = 1, /* the process runs its program */
	BP_SPAWN_READY = 2,  /* the process reached BP_READY and waits (create/start split) */
	BP_SPAWN_FAILED = 3  /* see failure; the child has been reaped */
};

struct bp_spawn_result {
	enum bp_spawn_state state;
	pid_t pid;
	int console_fd; /* the pty master from BP_CONSOLE_NEW, or -1 */
	struct bp_failure failure;
};

/*
 * Creates the process of `plan` (clone with the plan's namespaces, then the plan's records in
 * order in the child) and blocks until it has exec'd, is ready, or has failed. The caller should
 * be a single-threaded process. Returns 0 when the result is filled in, -1 (errno) when not even
 * the clone could be attempted.
 */
int bp_spawn(const struct bp_plan *plan, const struct bp_stdio *stdio, struct bp_spawn_result *res);

/* Encodes a failure as a BP_REPORT_FAILED payload / decodes it. */
int bp_failure_encode(const struct bp_failure *f, struct bp_buf *out);
int bp_failure_decode(const uint8_t *p, size_t n, struct bp_failure *f);

#endif
