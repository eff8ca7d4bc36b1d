/* Carrying out the records of a plan inside the new process. */
#ifndef BERTH_RUNTIME_OPS_H
#define BERTH_RUNTIME_OPS_H

#include "plan.h"
#include "spawn.h"

/*
 * Runs plan records from index `from` in the calling (child) process. `report` is the
 * close-on-exec pipe to the spawner. Never returns on success (the process execs); returns -1
 * with `f` filled in on failure.
 */
int bp_run_ops(const struct bp_plan *plan, size_t from, int report, struct bp_failure *f);

#endif
