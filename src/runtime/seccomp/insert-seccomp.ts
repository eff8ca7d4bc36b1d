import { PlanConst, PlanOp } from '../plan-codes.js';
import { RecordWriter } from '../record-writer.js';

/** The records that begin a process's user and capability setup (plan.ts, processRecords). */
const processStart = new Set<number>([PlanOp.BP_CAP_BOUNDING, PlanOp.BP_RLIMIT, PlanOp.BP_KEEPCAPS, PlanOp.BP_SETGROUPS]);

/**
 * A compiled plan with a BP_SECCOMP record placed where runc loads the filter. Without
 * no_new_privs, loading one needs CAP_SYS_ADMIN: before the process changes its user and gives up
 * its capabilities (so the filter also covers setgroups, setuid, capset, the start fifo and
 * execve, as runc's does). With no_new_privs: last, right before execve, so that as little as
 * possible of the setup runs under it.
 *
 * TODO(#4): compileInitPlan and compileExecPlan place the record themselves once they take the
 * program as an option (their processRecords already can); this then goes.
 */
export function insertSeccomp(plan: Buffer, program: Buffer, noNewPrivileges: boolean): Buffer {
  const record = new RecordWriter().record(PlanOp.BP_SECCOMP, program).toBuffer();
  if (noNewPrivileges) return Buffer.concat([plan, record]);
  let off = 0;
  while (off + PlanConst.BP_RECORD_HEADER <= plan.length) {
    if (processStart.has(plan.readUInt16LE(off))) return Buffer.concat([plan.subarray(0, off), record, plan.subarray(off)]);
    off += PlanConst.BP_RECORD_HEADER + plan.readUInt32LE(off + 4);
  }
  throw new Error('the plan has no process setup to load a seccomp filter before');
}
