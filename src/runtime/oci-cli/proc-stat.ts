import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** R, S, D, Z, X, … */
  state: string;
  /** Clock ticks since boot when the process started: with the pid, it names one process for good. */
  startTime: string;
}

/** Fields of /proc/<pid>/stat, or undefined when there is no such process. */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', startTime: rest[19] ?? '' };
}

/** Whether the process that had `startTime` still runs (not a zombie, not a new process with the pid). */
export function isSameProcessAlive(pid: number, startTime: string): boolean {
  const st = readProcStat(pid);
  return st !== undefined && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}
