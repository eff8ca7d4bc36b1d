import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One mounted cgroup hierarchy and this process's place in it. */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** Where it is mounted on the host. */
  mountPoint: string;
  /** v1: its controllers and name= option as /proc/self/cgroup lists them (`cpu,cpuacct`, `name=systemd`); v2: none. */
  controllers: string[];
  /** This process's cgroup, as a directory on the host. */
  ownDir: string;
}

/**
 * Every cgroup hierarchy of mountinfo text, with the cgroup of /proc/self/cgroup text in it. A
 * hierarchy mounted twice counts once (the first mount); one this process is not in is left out.
 */
export function parseCgroupHierarchies(mountinfo: string, procCgroup: string): CgroupHierarchy[] {
  // v1 lines name their hierarchy by its controllers (and name=); the v2 line has none.
  const own: { controllers: string[]; path: string }[] = [];
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) own.push({ controllers: m[2] ? m[2].split(',') : [], path: m[3]! });
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
    // The super options hold other words too (rw, xattr, …): a hierarchy is the /proc/self/cgroup
    // line whose controllers are all among them.
    const options = new Set((post[2] ?? '').split(','));
    const entry = own.find((o) =>
      version === 2 ? o.controllers.length === 0 : o.controllers.length > 0 && o.controllers.every((c) => options.has(c)),
    );
    if (!entry) continue;
    const { controllers, path } = entry;
    const key = controllers.join(',');
    if (seen.has(key)) continue;
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
