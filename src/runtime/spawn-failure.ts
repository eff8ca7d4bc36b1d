import { PlanOp, PlanSyscall, ShimRec } from './plan-codes.js';
import { errnoText } from './linux-constants.js';

/** What failed while creating a process, as the C side reports it (BP_REPORT_FAILED). */
export interface SpawnFailure {
  opIndex: number;
  op: number;
  syscall: number;
  errno: number;
  path: string;
}

export function decodeFailure(p: Buffer): SpawnFailure {
  const nul = p.indexOf(0, 16);
  return {
    opIndex: p.readUInt32LE(0),
    op: p.readUInt32LE(4),
    syscall: p.readUInt32LE(8),
    errno: p.readInt32LE(12),
    path: p.subarray(16, nul < 0 ? p.length : nul).toString('utf8'),
  };
}

const syscallName = new Map<number, string>(
  Object.entries(PlanSyscall).map(([k, v]) => [v, k.slice('BP_SYS_'.length).toLowerCase()]),
);

/** True when the program itself could not be found or run (Docker answers 400 and exit 127/126). */
export function isProgramError(f: SpawnFailure): boolean {
  return f.op === PlanOp.BP_EXEC && (f.syscall === PlanSyscall.BP_SYS_EXECVE || f.syscall === PlanSyscall.BP_SYS_STAT);
}

/** The exit code Docker gives a container whose program could not start: 127 missing, 126 not runnable. */
export function programExitCode(f: SpawnFailure): number {
  return f.errno === 2 ? 127 : 126;
}

/** Words a failure as runc does, so that clients that read the text (docker run's 126/127) understand it. */
export function describeFailure(f: SpawnFailure): string {
  const err = errnoText(f.errno);
  if (f.op === PlanOp.BP_EXEC) {
    if (f.syscall === PlanSyscall.BP_SYS_EXECVE && f.errno === 2 && !f.path.includes('/')) {
      return `exec: "${f.path}": executable file not found in $PATH`;
    }
    if (f.syscall === PlanSyscall.BP_SYS_STAT && f.errno === 2) return `exec: "${f.path}": stat ${f.path}: ${err}`;
    return `exec: "${f.path}": ${err}`;
  }
  if (f.op === ShimRec.BS_CMD_ARG || f.op === ShimRec.BS_START_ARG) {
    return `${f.path} exited with status ${f.errno}`;
  }
  const call = syscallName.get(f.syscall) ?? `syscall ${f.syscall}`;
  return f.path ? `${call} "${f.path}": ${err}` : `${call}: ${err}`;
}
