import { readFileSync } from 'node:fs';
import { resolveInRootfs } from './resolve-in-rootfs.js';

/** What runc takes from the container's /etc/passwd and /etc/group for a uid. */
export interface ExecUser {
  /** "/" when the passwd file has no entry for the uid. */
  home: string;
  /** Groups that list the user as a member, the primary group left out. */
  memberOf: number[];
}

function readRootfsFile(rootfs: string, path: string): string {
  try {
    return readFileSync(resolveInRootfs(rootfs, path), 'utf8');
  } catch {
    return '';
  }
}

/** libcontainer/user's lookup for a numeric uid: the user's home and supplementary groups. */
export function lookupExecUser(rootfs: string, uid: number, gid: number): ExecUser {
  let name: string | undefined;
  let home = '/';
  for (const line of readRootfsFile(rootfs, '/etc/passwd').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || Number(f[2]) !== uid || f[2] === '') continue;
    name = f[0];
    home = f[5] || '/';
    break;
  }
  const memberOf: number[] = [];
  if (name) {
    for (const line of readRootfsFile(rootfs, '/etc/group').split('\n')) {
      const f = line.split(':');
      if (f.length < 4) continue;
      const g = Number(f[2]);
      if (f[2] === '' || !Number.isInteger(g) || g === gid) continue;
      if (f[3]!.split(',').includes(name) && !memberOf.includes(g)) memberOf.push(g);
    }
  }
  return { home, memberOf };
}
