import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountSpec } from './parse-mount-spec.js';

test('parseMountSpec reads docker --mount values into the API mount', () => {
  assert.deepEqual(parseMountSpec('type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave'),
    { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rslave' } });
  assert.deepEqual(parseMountSpec('target=/v,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=k=v,volume-nocopy'),
    { Type: 'volume', Target: '/v', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } }, Labels: { k: 'v' }, NoCopy: true } });
  assert.deepEqual(parseMountSpec('type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770'),
    { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 } });
  assert.throws(() => parseMountSpec('type=bind,src=/a'), /target is required/);
  assert.throws(() => parseMountSpec('type=tmpfs,dst=/t,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'tmpfs'/);
  assert.throws(() => parseMountSpec('dst=/t,bogus=1'), /unexpected key 'bogus'/);
});
