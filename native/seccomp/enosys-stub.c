/*
 * The ENOSYS stub, as runc puts one before its filters. A profile is an allow-list written against
 * the syscalls known when it was written; under its default action (EPERM) a syscall added to the
 * kernel since would fail with EPERM, and a C library that tries the new call first (clone3,
 * fchmodat2...) takes EPERM as a real refusal instead of falling back. Syscalls numbered above
 * every syscall the rules name get ENOSYS, as on a kernel that predates them.
 *
 * Layout (jumps are relative, so the libseccomp program after it is unchanged):
 *
 *   ld [arch]
 *   per architecture:  jeq AUDIT_ARCH, 0, <next>
 *                      ld [nr]
 *                      (s390: jeq 0, ENOSYS: the multiplexer of unknown large numbers)
 *                      (x86_64: jset X32_BIT, <x32 check>: x32 calls carry bit 30 in their number)
 *                      jgt MAX, ENOSYS, FILTER
 *   ja FILTER
 *   ENOSYS: ret ERRNO(ENOSYS)
 *   FILTER: libseccomp's program
 */
#include "enosys-stub.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>

#include "berth-plan.h"

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_INSNS 256

enum label { L_NONE, L_ENOSYS, L_FILTER };

struct insn {
	uint16_t code;
	uint32_t k;
	int jt, jf;              /* relative offsets, unless a label says where to */
	enum label ljt, ljf, lk; /* lk: the target of a `ja` */
};

struct stub {
	struct insn v[MAX_INSNS];
	size_t n;
};

static int emit(struct stub *s, struct insn i)
{
	if (s->n == MAX_INSNS)
		return -1;
	s->v[s->n++] = i;
	return 0;
}

#define LOAD(off) ((struct insn){ .code = BPF_LD | BPF_W | BPF_ABS, .k = (off) })
#define JUMP_TO(label) ((struct insn){ .code = BPF_JMP | BPF_JA, .lk = (label) })
/* "jgt max": newer → ENOSYS, else → the filter. */
#define ABOVE(max) ((struct insn){ .code = BPF_JMP | BPF_JGT | BPF_K, .k = (max), .ljt = L_ENOSYS, .ljf = L_FILTER })

/* The highest number any rule's syscall has on arch, or 0 when none is known there. */
static uint32_t highest(const struct bp_plan *plan, uint32_t arch)
{
	uint32_t max = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct bp_rec *r = &plan->recs[i];
		const char *name = r->tag == BF_RULE ? bp_str(r, 8, 0) : r->tag == BF_NAMED ? bp_str(r, 0, 0) : NULL;
		if (!name)
			continue;
		int nr = seccomp_syscall_resolve_name_arch(arch, name);
		/* Negative: not a syscall of its own there (multiplexed, or unknown). */
		if (nr >= 0 && (uint32_t)nr > max)
			max = (uint32_t)nr;
	}
	return max;
}

/* libseccomp names x32 apart, but the kernel reports its calls as x86_64 ones with bit 30 set. */
static uint32_t audit_arch(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token;
}

static int section(struct stub *s, uint32_t audit, uint32_t max_main, uint32_t max_x32)
{
	size_t head = s->n;
	if (emit(s, (struct insn){ .code = BPF_JMP | BPF_JEQ | BPF_K, .k = audit }) < 0 || emit(s, LOAD(offsetof(struct seccomp_data, nr))) < 0)
		return -1;
	if ((audit == SCMP_ARCH_S390 || audit == SCMP_ARCH_S390X) &&
	    emit(s, (struct insn){ .code = BPF_JMP | BPF_JEQ | BPF_K, .k = 0, .ljt = L_ENOSYS }) < 0)
		return -1;
	if (audit == SCMP_ARCH_X86_64) {
		/* jset X32_BIT, +1: the x32 check is the instruction after the x86_64 one. */
		if (emit(s, (struct insn){ .code = BPF_JMP | BPF_JSET | BPF_K, .k = X32_SYSCALL_BIT, .jt = 1 }) < 0)
			return -1;
		/* Without a maximum for one of the two, its calls go straight to the filter. */
		if (emit(s, max_main ? ABOVE(max_main) : JUMP_TO(L_FILTER)) < 0 || emit(s, max_x32 ? ABOVE(max_x32) : JUMP_TO(L_FILTER)) < 0)
			return -1;
	} else if (emit(s, ABOVE(max_main)) < 0) {
		return -1;
	}
	/* A different architecture skips the section. */
	s->v[head].jf = (int)(s->n - head - 1);
	return 0;
}

static int resolve(struct insn *i, size_t at, size_t enosys, size_t filter)
{
	const size_t target[] = { [L_ENOSYS] = enosys, [L_FILTER] = filter };
	if (i->ljt)
		i->jt = (int)(target[i->ljt] - at - 1);
	if (i->ljf)
		i->jf = (int)(target[i->ljf] - at - 1);
	if (i->lk)
		i->k = (uint32_t)(target[i->lk] - at - 1);
	return i->jt > 255 || i->jf > 255 ? -1 : 0;
}

int enosys_stub(const struct bp_plan *plan, const uint32_t *arches, size_t narches, struct bp_buf *out)
{
	struct stub s = { .n = 0 };
	uint32_t done[ENOSYS_STUB_MAX_ARCHES];
	size_t ndone = 0;
	if (emit(&s, LOAD(offsetof(struct seccomp_data, arch))) < 0)
		return -1;
	for (size_t a = 0; a < narches; a++) {
		uint32_t audit = audit_arch(arches[a]);
		int seen = 0;
		for (size_t d = 0; d < ndone; d++)
			seen |= done[d] == audit;
		if (seen)
			continue;
		done[ndone++] = audit;
		/* x86_64 and x32 share a section: find which of the two the filter covers. */
		uint32_t max_main = 0, max_x32 = 0;
		for (size_t b = 0; b < narches; b++) {
			if (audit_arch(arches[b]) != audit)
				continue;
			if (arches[b] == SCMP_ARCH_X32)
				max_x32 = highest(plan, arches[b]);
			else
				max_main = highest(plan, arches[b]);
		}
		if (!max_main && !max_x32)
			continue;
		if (audit != SCMP_ARCH_X86_64 && !max_main)
			continue;
		if (section(&s, audit, max_main, max_x32) < 0)
			return -1;
	}
	if (emit(&s, JUMP_TO(L_FILTER)) < 0 ||
	    emit(&s, (struct insn){ .code = BPF_RET | BPF_K, .k = SCMP_ACT_ERRNO(ENOSYS) }) < 0)
		return -1;
	size_t enosys = s.n - 1, filter = s.n;
	for (size_t i = 0; i < s.n; i++) {
		if (resolve(&s.v[i], i, enosys, filter) < 0)
			return -1;
		struct sock_filter f = { .code = s.v[i].code, .jt = (uint8_t)s.v[i].jt, .jf = (uint8_t)s.v[i].jf, .k = s.v[i].k };
		if (bp_buf_put(out, &f, sizeof(f)) < 0)
			return -1;
	}
	return 0;
}
