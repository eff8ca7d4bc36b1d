import { join } from 'node:path';
import type { OciMount } from '../../oci/runtime-spec.js';
import type { ContainerCgroups } from './container-cgroups.js';

/**
 * A `cgroup` mount as runc makes it without a cgroup namespace: on cgroup v1 a tmpfs with the
 * container's own directory of each hierarchy bound under it (/sys/fs/cgroup/memory, …), on
 * cgroup2 the container's directory bound there. The binds take the mount's options (ro).
 * runc also links co-mounted controllers (cpu -> cpu,cpuacct); those are not made here.
 */
export function expandCgroupMounts(mounts: readonly OciMount[], cg: ContainerCgroups): OciMount[] {
  const out: OciMount[] = [];
  for (const m of mounts) {
    if (m.type !== 'cgroup') {
      out.push(m);
      continue;
    }
    const opts = (m.options ?? []).filter((o) => !['bind', 'rbind'].includes(o));
    if (cg.layout.version === 2) {
      if (cg.unifiedDir) out.push({ destination: m.destination, type: 'bind', source: cg.unifiedDir, options: ['rbind', ...opts] });
      continue;
    }
    out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=755'] });
    for (const { name, dir } of cg.v1Dirs) {
      out.push({ destination: join(m.destination, name), type: 'bind', source: dir, options: ['rbind', ...opts] });
    }
  }
  return out;
}
