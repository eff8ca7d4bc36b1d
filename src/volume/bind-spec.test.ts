import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindSpec, parseVolumesFrom } from './bind-spec.js';
import { mountPointOf } from './mount-request.js';

test('parseBindSpec tells volumes from binds and keeps the mode as written', () => {
  assert.deepEqual(
    [parseBindSpec('data:/data'), parseBindSpec('/host:/h:ro,rslave'), parseBindSpec('v:/d/:nocopy,rw')].map((p) => [p.type, p.name, p.source, p.destination, p.mode, p.rw, p.propagation, p.copyData]),
    [
      ['volume', 'data', '', '/data', 'z', true, '', true],
      ['bind', '', '/host', '/h', 'ro,rslave', false, 'rslave', false],
      ['volume', 'v', '', '/d', 'nocopy,rw', true, '', false],
    ],
  );
});

test('parseBindSpec refuses what moby refuses, with its texts', () => {
  assert.throws(() => parseBindSpec('vol:rel'), /invalid volume specification: 'vol:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseBindSpec('/a:/b:ro,rw'), /invalid mode: ro,rw/);
  assert.throws(() => parseBindSpec('/a:/b:bogus'), /invalid mode: bogus/);
  assert.throws(() => parseBindSpec('v:/b:rshared'), /invalid volume specification: 'v:\/b:rshared': invalid mount config for type "volume": field BindOptions must not be specified/);
  assert.throws(() => parseBindSpec('a:b:c:d'), /invalid volume specification: 'a:b:c:d'/);
  assert.throws(() => parseBindSpec('/a:/'), /destination can't be '\/'/);
});

test('parseVolumesFrom takes an optional ro or rw', () => {
  assert.deepEqual(parseVolumesFrom('c1'), { container: 'c1' });
  assert.deepEqual(parseVolumesFrom('c1:ro'), { container: 'c1', rw: false });
  assert.throws(() => parseVolumesFrom('c1:z'), /invalid mode: z/);
});

test('mountPointOf checks --mount fields per type', () => {
  assert.deepEqual(mountPointOf({ type: 'tmpfs', source: '', target: '/t/', readOnly: false, tmpfsSizeBytes: 1024, tmpfsMode: 0o1777 }).tmpfsOptions, ['size=1024', 'mode=1777']);
  assert.equal(mountPointOf({ type: 'bind', source: '/x', target: '/y', readOnly: true }).propagation, 'rprivate');
  assert.throws(() => mountPointOf({ type: 'tmpfs', source: 'x', target: '/t', readOnly: false }), /invalid mount config for type "tmpfs": field Source must not be specified/);
  assert.throws(() => mountPointOf({ type: 'volume', source: '', target: '', readOnly: false }), /field Target must not be empty/);
  assert.throws(() => mountPointOf({ type: 'bind', source: '/x', target: '/y', readOnly: false, volumeNoCopy: true }), /field VolumeOptions must not be specified/);
});
