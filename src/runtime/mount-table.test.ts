import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mountContaining, parseMountInfo } from './mount-table.js';

const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '40 27 0:40 / /srv rw,relatime shared:5 - tmpfs host rw',
  '41 40 0:41 / /srv/a\\040b rw,relatime shared:6 master:5 - tmpfs sub rw',
  '42 27 0:42 / /srv2 rw,relatime master:7 - tmpfs other rw',
].join('\n');

test('mountinfo: mount points unescaped, shared only with a shared:N field', () => {
  assert.deepEqual(parseMountInfo(MOUNTINFO), [
    { mountPoint: '/', shared: false },
    { mountPoint: '/srv', shared: true },
    { mountPoint: '/srv/a b', shared: true },
    { mountPoint: '/srv2', shared: false },
  ]);
});

test('the mount a path lives on is the longest mount point containing it, not a name prefix', () => {
  const mounts = parseMountInfo(MOUNTINFO);
  assert.equal(mountContaining('/srv/rootfs', mounts)?.mountPoint, '/srv');
  assert.equal(mountContaining('/srv/a b/rootfs', mounts)?.mountPoint, '/srv/a b');
  assert.equal(mountContaining('/srv', mounts)?.mountPoint, '/srv');
  assert.equal(mountContaining('/srv22/x', mounts)?.mountPoint, '/');
});
