import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function kibField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Resident set size in MiB (VmRSS): what `ps` shows. */
export function rssMiB(pid: number): number {
  return kibField(readOr(`/proc/${pid}/status`, ''), 'VmRSS') / 1024;
}

/** Proportional set size in MiB: shared pages split among the processes that map them. */
export function pssMiB(pid: number): number {
  return kibField(readOr(`/proc/${pid}/smaps_rollup`, ''), 'Pss') / 1024;
}

export function cmdlineOf(pid: number): string[] {
  return readOr(`/proc/${pid}/cmdline`, '').split('\0').filter(Boolean);
}

export function exeOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

export function parentOf(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`, '');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
}

export function allPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

export function childrenOf(pid: number): number[] {
  return allPids().filter((p) => parentOf(p) === pid);
}
