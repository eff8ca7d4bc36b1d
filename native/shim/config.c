#include <string.h>

#include "berth-plan.h"
#include "plan.h"
#include "shim.h"

void attach_keys(struct attach_config *a, const uint8_t *p, size_t n)
{
	a->nkeys = n > MAX_DETACH_KEYS ? MAX_DETACH_KEYS : n;
	memcpy(a->keys, p, a->nkeys);
}

static int push_arg(char **argv, size_t *n, const struct bp_rec *r)
{
	const char *s = bp_str(r, 0, 0);
	if (!s || *n >= MAX_ARGV)
		return -1;
	argv[(*n)++] = (char *)s;
	argv[*n] = NULL;
	return 0;
}

int shim_config_parse(const uint8_t *buf, size_t len, struct shim_config *c)
{
	struct bp_plan recs;
	memset(c, 0, sizeof(*c));
	if (bp_plan_parse(buf, len, &recs) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < recs.n && rc == 0; i++) {
		const struct bp_rec *r = &recs.recs[i];
		switch (r->tag) {
		case BS_ID: c->id = bp_str(r, 0, 0); break;
		case BS_SOCKET: c->socket_path = bp_str(r, 0, 0); break;
		case BS_LOG_PATH: c->log_path = bp_str(r, 0, 0); break;
		case BS_EXIT_PATH: c->exit_path = bp_str(r, 0, 0); break;
		case BS_OOM_FILE: c->oom_file = bp_str(r, 0, 0); break;
		case BS_PID_FILE: c->pid_file = bp_str(r, 0, 0); break;
		case BS_CONSOLE_SOCKET: c->console_socket = bp_str(r, 0, 0); break;
		case BS_TTY: c->tty = 1; break;
		case BS_STDIN: c->stdin_open = 1; break;
		case BS_STDIN_ONCE: c->stdin_once = 1; break;
		case BS_CMD_WAITS: c->cmd_waits = 1; break;
		case BS_LOG_ROTATE:
			rc = bp_u64(r, 0, &c->log_max_size) || bp_u32(r, 8, &c->log_max_files) || bp_u32(r, 12, &c->log_compress) ? -1 : 0;
			break;
		case BS_WINSIZE:
			rc = bp_u16(r, 0, &c->rows) || bp_u16(r, 2, &c->cols) ? -1 : 0;
			break;
		case BS_CLEANUP_RMDIR:
			if (c->nrmdirs >= MAX_RMDIR || !(c->rmdirs[c->nrmdirs++] = bp_str(r, 0, 0)))
				rc = -1;
			break;
		case BS_ATTACH: {
			if (c->nattach >= MAX_ATTACH_CONFIG)
				return -1;
			struct attach_config *a = &c->attach[c->nattach++];
			uint32_t fd;
			if (bp_u32(r, 0, &fd) || bp_u32(r, 4, &a->flags)) {
				rc = -1;
				break;
			}
			a->fd = (int)fd;
			attach_keys(a, r->data + 8, r->len - 8);
			break;
		}
		case BS_PLAN:
			c->plan = r->data;
			c->plan_len = r->len;
			break;
		case BS_CMD_ARG: rc = push_arg(c->cmd_argv, &c->ncmd, r); break;
		case BS_START_ARG: rc = push_arg(c->start_argv, &c->nstart, r); break;
		default: rc = -1;
		}
	}
	bp_plan_free(&recs);
	if (rc == 0 && !c->plan && c->ncmd == 0)
		rc = -1; /* nothing to run */
	return rc;
}
