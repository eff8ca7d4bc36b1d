import { readFileSync } from 'node:fs';
import { resolveInRootfs } from './resolve-in-rootfs.js';

/**
 * The home directory runc's init gives a uid when the environment has no HOME: the user's entry
 * in the container's /etc/passwd, or "/". (runc passes "uid:gid", an explicit group, so it takes
 * no supplementary groups from /etc/group: only the config's additionalGids count.)
 */
export function homeOf(rootfs: string, uid: number): string {
  let passwd = '';
  try {
    passwd = readFileSync(resolveInRootfs(rootfs, '/etc/passwd'), 'utf8');
  } catch {
    return '/';
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[2] !== '' && Number(f[2]) === uid) return f[5] || '/';
  }
  return '/';
}
