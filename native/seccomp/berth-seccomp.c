/*
 * berth-seccomp: compiles one seccomp filter into the classic BPF program the kernel loads.
 *
 *   berth-seccomp             filter records on stdin (berth-plan.h, BF_*), the program on stdout
 *   berth-seccomp --version   "libseccomp X.Y.Z": what the program depends on besides the records
 *
 * libseccomp does what is worth not redoing: every architecture's syscall numbers, the calls that
 * i386 multiplexes through socketcall and ipc, the x32 ABI inside x86_64, the layout of the
 * jumps. TypeScript (src/runtime/seccomp/) decided everything else: actions, errnos, which rules,
 * which conditions. A syscall name libseccomp does not know is skipped (and named on stderr), as
 * runc skips it: a profile written for a newer kernel still loads. Exit status 0, or 1 with a
 * message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "berth-plan.h"
#include "enosys-stub.h"
#include "plan.h"

static void ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define autorelease __attribute__((cleanup(ctx_release)))

static void buf_release(struct bp_buf *b)
{
	bp_buf_free(b);
}
#define autobuf __attribute__((cleanup(buf_release)))

static void plan_release(struct bp_plan *p)
{
	bp_plan_free(p);
}
#define autoplan __attribute__((cleanup(plan_release)))

static int failed(const char *what, int err)
{
	fprintf(stderr, "berth-seccomp: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return -1;
}

/* The libseccomp action of an action code and its errno or trace message; 0 when the code is unknown. */
static int to_action(uint32_t code, uint32_t value, uint32_t *out)
{
	switch (code) {
	case BF_ACT_KILL_THREAD: *out = SCMP_ACT_KILL; return 0;
	case BF_ACT_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
	case BF_ACT_TRAP: *out = SCMP_ACT_TRAP; return 0;
	case BF_ACT_ERRNO: *out = SCMP_ACT_ERRNO(value); return 0;
	case BF_ACT_TRACE: *out = SCMP_ACT_TRACE(value); return 0;
	case BF_ACT_LOG: *out = SCMP_ACT_LOG; return 0;
	case BF_ACT_ALLOW: *out = SCMP_ACT_ALLOW; return 0;
	default: return -1;
	}
}

static int to_cmp(uint32_t code, enum scmp_compare *out)
{
	switch (code) {
	case BF_CMP_NE: *out = SCMP_CMP_NE; return 0;
	case BF_CMP_LT: *out = SCMP_CMP_LT; return 0;
	case BF_CMP_LE: *out = SCMP_CMP_LE; return 0;
	case BF_CMP_EQ: *out = SCMP_CMP_EQ; return 0;
	case BF_CMP_GE: *out = SCMP_CMP_GE; return 0;
	case BF_CMP_GT: *out = SCMP_CMP_GT; return 0;
	case BF_CMP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
	default: return -1;
	}
}

static int set_flags(scmp_filter_ctx ctx, uint32_t flags)
{
	static const struct { uint32_t flag; enum scmp_filter_attr attr; const char *name; } map[] = {
		{ BF_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC, "SECCOMP_FILTER_FLAG_TSYNC" },
		{ BF_FLAG_LOG, SCMP_FLTATR_CTL_LOG, "SECCOMP_FILTER_FLAG_LOG" },
		{ BF_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!(flags & map[i].flag))
			continue;
		int rc = seccomp_attr_set(ctx, map[i].attr, 1);
		if (rc < 0)
			return failed(map[i].name, rc);
		flags &= ~map[i].flag;
	}
	if (flags) {
		fprintf(stderr, "berth-seccomp: unknown filter flags 0x%x\n", flags);
		return -1;
	}
	return 0;
}

/* One rule: its syscall and conditions, as collected from BF_RULE and the BF_ARGs after it. */
struct rule {
	const char *name;
	uint32_t action;
	unsigned nargs;
	struct scmp_arg_cmp args[BF_MAX_ARGS];
};

static int add_rule(scmp_filter_ctx ctx, const struct rule *r)
{
	/* Resolved on the native architecture, as runc does; libseccomp places the rule on the
	 * others (a negative number stands for a call multiplexed there, e.g. i386's socketcall). */
	int nr = seccomp_syscall_resolve_name(r->name);
	if (nr == __NR_SCMP_ERROR) {
		fprintf(stderr, "berth-seccomp: unknown syscall \"%s\": skipped\n", r->name);
		return 0;
	}
	int rc = seccomp_rule_add_array(ctx, r->action, nr, r->nargs, r->args);
	if (rc < 0) {
		char what[128];
		snprintf(what, sizeof(what), "rule for \"%s\"", r->name);
		return failed(what, rc);
	}
	return 0;
}

static int read_rule(const struct bp_rec *rec, struct rule *r)
{
	uint32_t code, value;
	if (bp_u32(rec, 0, &code) || bp_u32(rec, 4, &value) || !(r->name = bp_str(rec, 8, 0)) || to_action(code, value, &r->action)) {
		fprintf(stderr, "berth-seccomp: malformed rule record\n");
		return -1;
	}
	r->nargs = 0;
	return 0;
}

static int read_arg(const struct bp_rec *rec, struct rule *r)
{
	uint32_t index, op;
	uint64_t a, b;
	enum scmp_compare cmp;
	if (bp_u32(rec, 0, &index) || bp_u32(rec, 4, &op) || bp_u64(rec, 8, &a) || bp_u64(rec, 16, &b) || to_cmp(op, &cmp) ||
	    index >= BF_MAX_ARGS) {
		fprintf(stderr, "berth-seccomp: malformed argument record\n");
		return -1;
	}
	if (r->nargs == BF_MAX_ARGS) {
		fprintf(stderr, "berth-seccomp: rule for \"%s\" has more than %d conditions\n", r->name, BF_MAX_ARGS);
		return -1;
	}
	r->args[r->nargs++] = (struct scmp_arg_cmp){ .arg = index, .op = cmp, .datum_a = a, .datum_b = b };
	return 0;
}

/* seccomp_export_bpf writes to a file descriptor: a memfd gives the program back to prepend to it. */
static int export_program(scmp_filter_ctx ctx, struct bp_buf *out)
{
	int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return failed("memfd_create", errno);
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		close(fd);
		return failed("exporting the program", rc);
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || bp_buf_read_fd(out, fd) < 0) {
		int e = errno;
		close(fd);
		return failed("reading the program back", e);
	}
	close(fd);
	return 0;
}

static int compile(const struct bp_plan *plan)
{
	autorelease scmp_filter_ctx ctx = NULL;
	autobuf struct bp_buf prog = { 0 };
	autobuf struct bp_buf stub = { 0 };
	uint32_t arches[ENOSYS_STUB_MAX_ARCHES];
	size_t narches = 0;
	int want_stub = 0;

	uint32_t code, value, def;
	if (plan->n == 0 || plan->recs[0].tag != BF_DEFAULT || bp_u32(&plan->recs[0], 0, &code) ||
	    bp_u32(&plan->recs[0], 4, &value) || to_action(code, value, &def)) {
		fprintf(stderr, "berth-seccomp: the first record must be the default action\n");
		return -1;
	}
	if (!(ctx = seccomp_init(def)))
		return failed("seccomp_init", EINVAL);
	/* The loader decides about no_new_privs: the program carries no such bit anyway. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	arches[narches++] = seccomp_arch_native();

	struct rule r = { 0 };
	int have_rule = 0;
	for (size_t i = 1; i < plan->n; i++) {
		const struct bp_rec *rec = &plan->recs[i];
		if (rec->tag != BF_ARG && have_rule) {
			if (add_rule(ctx, &r) < 0)
				return -1;
			have_rule = 0;
		}
		switch (rec->tag) {
		case BF_ARCH: {
			const char *name = bp_str(rec, 0, 0);
			uint32_t arch = name ? seccomp_arch_resolve_name(name) : 0;
			if (!arch) {
				fprintf(stderr, "berth-seccomp: unknown architecture \"%s\"\n", name ? name : "");
				return -1;
			}
			int rc = seccomp_arch_add(ctx, arch);
			if (rc < 0 && rc != -EEXIST)
				return failed(name, rc);
			if (rc == 0 && narches < ENOSYS_STUB_MAX_ARCHES)
				arches[narches++] = arch;
			break;
		}
		case BF_FLAGS:
			if (bp_u32(rec, 0, &value) || set_flags(ctx, value) < 0)
				return -1;
			break;
		case BF_BINARY_TREE:
			/* An older libseccomp without it still compiles a correct, linear program. */
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
			break;
		case BF_ENOSYS_STUB:
			want_stub = 1;
			break;
		case BF_NAMED:
			/* Only read by the stub. */
			break;
		case BF_RULE:
			if (read_rule(rec, &r) < 0)
				return -1;
			have_rule = 1;
			break;
		case BF_ARG:
			if (!have_rule) {
				fprintf(stderr, "berth-seccomp: an argument record without a rule before it\n");
				return -1;
			}
			if (read_arg(rec, &r) < 0)
				return -1;
			break;
		default:
			fprintf(stderr, "berth-seccomp: unexpected record %u\n", rec->tag);
			return -1;
		}
	}
	if (have_rule && add_rule(ctx, &r) < 0)
		return -1;

	if (export_program(ctx, &prog) < 0)
		return -1;
	if (want_stub && enosys_stub(plan, arches, narches, &stub) < 0) {
		fprintf(stderr, "berth-seccomp: the ENOSYS stub does not fit its jumps\n");
		return -1;
	}
	if (stub.len + prog.len > 4096 * 8) {
		fprintf(stderr, "berth-seccomp: the program has more than 4096 instructions\n");
		return -1;
	}
	if ((stub.len && bp_write_full(1, stub.data, stub.len) < 0) || bp_write_full(1, prog.data, prog.len) < 0)
		return failed("writing the program", errno);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		const struct scmp_version *v = seccomp_version();
		printf("libseccomp %u.%u.%u\n", v->major, v->minor, v->micro);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: berth-seccomp [--version] < records > program\n");
		return 2;
	}
	autobuf struct bp_buf in = { 0 };
	autoplan struct bp_plan plan = { 0 };
	if (bp_buf_read_fd(&in, 0) < 0) {
		failed("reading stdin", errno);
		return 1;
	}
	if (bp_plan_parse(in.data, in.len, &plan) < 0) {
		fprintf(stderr, "berth-seccomp: a record overruns its input\n");
		return 1;
	}
	return compile(&plan) < 0 ? 1 : 0;
}
