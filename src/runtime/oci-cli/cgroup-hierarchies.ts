import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One mounted cgroup hierarchy and this process's place in it. */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** Where it is mounted on the host. */
  mountPoint: string;
  /** v1: its controllers and name= option (`cpu,cpuacct`, `name=systemd`); v2: none. */
  controllers: string[];
  /** This process's cgroup, as a directory on the host. */
  ownDir: string;
}

function superOptionControllers(opts: string): string[] {
  return opts.split(',').filter((o) => !['rw', 'ro'].includes(o) && (o.startsWith('name=') || !o.includes('=')));
}

/**
 * Every cgroup hierarchy of mountinfo text, with the cgroup of /proc/self/cgroup text in it. A
 * hierarchy mounted twice counts once (the first mount); one this process is not in is left out.
 */
export function parseCgroupHierarchies(mountinfo: string, procCgroup: string): CgroupHierarchy[] {
  const own = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    own.set(m[1] === '0' && m[2] === '' ? '' : m[2]!.split(',').sort().join(','), m[3]!);
  }
  const seen = new Set<string>();
  const out: CgroupHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const mountRoot = pre[3];
    const mountPoint = pre[4];
    if (!mountRoot || !mountPoint || (post[0] !== 'cgroup' && post[0] !== 'cgroup2')) continue;
    const version = post[0] === 'cgroup2' ? 2 : 1;
    const controllers = version === 2 ? [] : superOptionControllers(post[2] ?? '');
    const key = [...controllers].sort().join(',');
    const path = own.get(key);
    if (seen.has(key) || path === undefined) continue;
    seen.add(key);
    // A mount of a subtree (cgroup namespace, bind) shows the cgroup relative to its root.
    const rel = relative(mountRoot, path);
    if (rel.startsWith('..')) continue;
    out.push({ version, mountPoint, controllers, ownDir: join(mountPoint, rel) });
  }
  return out;
}

export function hostCgroupHierarchies(): CgroupHierarchy[] {
  return parseCgroupHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
}
