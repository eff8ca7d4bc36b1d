/* OCI hooks: programs the plan names (BP_HOOK), run at one stage with the container's state on stdin. */
#ifndef BERTH_RUNTIME_HOOKS_H
#define BERTH_RUNTIME_HOOKS_H

#include <stdint.h>
#include <sys/types.h>

#include "plan.h"
#include "spawn.h"

/*
 * Runs every BP_HOOK of `stage` in plan order, each to its end (or its timeout, when it is
 * killed), writing the stage's BP_HOOK_STATE with `pid` in it to the hook's stdin. Stops at the
 * first hook that fails: -1 with `f` saying which (op BP_HOOK, its record index, its path) and
 * how (BP_SYS_HOOK_EXIT with the wait status in err, or BP_SYS_HOOK with an errno: ETIMEDOUT).
 */
int bp_run_hooks(const struct bp_plan *plan, uint32_t stage, pid_t pid, struct bp_failure *f);

#endif
