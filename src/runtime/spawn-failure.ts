import type { OciHooks } from '../oci/runtime-spec.js';
import { hookStageName } from './hook-records.js';
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

/** A hook's failure: which one (its place among its stage's hooks), and how, as runc says it. */
function describeHookFailure(f: SpawnFailure, hooks: OciHooks | undefined): string {
  const stage = hookStageName(f.opIndex >>> 16);
  const index = f.opIndex & 0xffff;
  const hook = stage ? hooks?.[stage]?.[index] : undefined;
  const head = `error running hook #${index}`;
  if (f.syscall === PlanSyscall.BP_SYS_HOOK_EXIT) {
    const status = f.errno & 0x7f ? `signal: ${f.errno & 0x7f}` : `exit status ${(f.errno >> 8) & 0xff}`;
    return `${head}: error running hook: ${status}, stdout: , stderr: `;
  }
  if (f.syscall === PlanSyscall.BP_SYS_HOOK && f.errno === ETIMEDOUT) {
    return `${head}: hook ran past specified timeout of ${(hook?.timeout ?? 0).toFixed(1)}s`;
  }
  if (f.syscall === PlanSyscall.BP_SYS_EXECVE) return `${head}: fork/exec ${f.path}: ${errnoText(f.errno)}`;
  return `${head}: ${f.path}: ${errnoText(f.errno)}`;
}

const ETIMEDOUT = 110;

/**
 * Words a failure as runc does, so that clients that read the text (docker run's 126/127)
 * understand it. `hooks`: the config's, to name a failed hook's timeout.
 */
export function describeFailure(f: SpawnFailure, hooks?: OciHooks): string {
  if (f.op === PlanOp.BP_HOOK) return describeHookFailure(f, hooks);
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
