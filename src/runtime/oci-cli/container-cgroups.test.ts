import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CgroupLayout } from '../cgroups.js';
import { PlanOp } from '../plan-codes.js';
import { parseCgroupHierarchies } from './cgroup-hierarchies.js';
import { containerCgroups, systemdCgroupPath } from './container-cgroups.js';

const mountinfo = [
  '30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory',
  '31 25 0:27 / /sys/fs/cgroup/pids rw,relatime shared:10 - cgroup cgroup rw,pids',
  '32 25 0:28 / /sys/fs/cgroup/systemd rw,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '33 25 0:29 / /sys/fs/cgroup/unified rw,relatime shared:12 - cgroup2 cgroup2 rw',
  '40 25 0:26 / /mnt/again rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const procCgroup = ['4:memory:/outer', '3:pids:/', '2:name=systemd:/', '0::/'].join('\n');
const layout: CgroupLayout = {
  version: 1,
  controllers: new Map([['memory', '/sys/fs/cgroup/memory'], ['pids', '/sys/fs/cgroup/pids']]),
  named: new Map(),
  unified: '/sys/fs/cgroup/unified',
  hasSwapAccounting: false,
};

describe('parseCgroupHierarchies', () => {
  it('lists each hierarchy once with this process\'s cgroup in it', () => {
    assert.deepEqual(parseCgroupHierarchies(mountinfo, procCgroup), [
      { version: 1, mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'], ownDir: '/sys/fs/cgroup/memory/outer' },
      { version: 1, mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'], ownDir: '/sys/fs/cgroup/pids' },
      { version: 1, mountPoint: '/sys/fs/cgroup/systemd', controllers: ['name=systemd'], ownDir: '/sys/fs/cgroup/systemd' },
      { version: 2, mountPoint: '/sys/fs/cgroup/unified', controllers: [], ownDir: '/sys/fs/cgroup/unified' },
    ]);
  });
});

describe('containerCgroups', () => {
  const hierarchies = parseCgroupHierarchies(mountinfo, procCgroup);

  it('places a container without cgroupsPath under the runtime\'s own cgroup, named by its id', () => {
    const cg = containerCgroups({ ociVersion: '1.2.0' }, { id: 'c1', systemd: false, layout, hierarchies });
    assert.equal(cg.path, '/c1');
    assert.deepEqual(cg.setup.dirs, ['/sys/fs/cgroup/memory/outer/c1', '/sys/fs/cgroup/pids/c1']);
    assert.deepEqual(cg.v1Dirs.map((d) => d.name), ['memory', 'pids', 'systemd']);
  });

  it('takes an absolute cgroupsPath from each hierarchy\'s root', () => {
    const spec = { ociVersion: '1.2.0', linux: { cgroupsPath: '/berth/c1' } };
    const cg = containerCgroups(spec, { id: 'c1', systemd: false, layout, hierarchies });
    assert.deepEqual(cg.setup.dirs, ['/sys/fs/cgroup/memory/berth/c1', '/sys/fs/cgroup/pids/berth/c1']);
  });

  it('joins the hierarchies cgroupSetup leaves out with records of its own, and removes them on delete', () => {
    const cg = containerCgroups({ ociVersion: '1.2.0' }, { id: 'c1', systemd: false, layout, hierarchies });
    assert.deepEqual(cg.leaves.slice(2), ['/sys/fs/cgroup/systemd/c1', '/sys/fs/cgroup/unified/c1']);
    assert.ok(cg.procs.includes('/sys/fs/cgroup/unified/c1/cgroup.procs'));
    assert.equal(cg.extraRecords.readUInt16LE(0), PlanOp.BP_MKDIR);
  });
});

describe('systemdCgroupPath', () => {
  it('expands the slice the way systemd nests slices', () => {
    assert.equal(systemdCgroupPath('system.slice:docker:abc'), '/system.slice/docker-abc.scope');
    assert.equal(systemdCgroupPath('a-b.slice:pre:x'), '/a.slice/a-b.slice/pre-x.scope');
    assert.throws(() => systemdCgroupPath('/not/systemd'), /slice:prefix:name/);
  });
});
