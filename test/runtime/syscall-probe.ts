import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './runtime-kit.js';

/** The probe's source (test/runtime/syscall-probe.c): tries syscalls and prints how each went. */
export const SYSCALL_PROBE_SOURCE = join(REPO_ROOT, 'test/runtime/syscall-probe.c');

/** Builds the probe (static) at outPath; says why it could not, or undefined when it could. */
export function buildSyscallProbe(outPath: string): string | undefined {
  const r = spawnSync('cc', ['-static', '-O2', '-o', outPath, SYSCALL_PROBE_SOURCE], { encoding: 'utf8' });
  if (r.error) return `no C compiler: ${r.error.message}`;
  return r.status === 0 ? undefined : `cc -static failed (libc6-dev?): ${r.stderr.trim()}`;
}

/** The probe's lines as check → outcome ("ok", or the error's text). */
export function probeOutcomes(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([\w-]+): (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
