/* A prefix for a seccomp program: syscalls newer than the profile fail with ENOSYS. */
#ifndef BERTH_SECCOMP_ENOSYS_STUB_H
#define BERTH_SECCOMP_ENOSYS_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

#define ENOSYS_STUB_MAX_ARCHES 32

/*
 * Appends to out the instructions to put before libseccomp's program: for each architecture in
 * arches (libseccomp tokens), a syscall numbered above the highest one the BF_RULE and BF_NAMED
 * records of plan name there returns ENOSYS; any other falls through into the program. Returns 0 or -1.
 */
int enosys_stub(const struct bp_plan *plan, const uint32_t *arches, size_t narches, struct bp_buf *out);

#endif
