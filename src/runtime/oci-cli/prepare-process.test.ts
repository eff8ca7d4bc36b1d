import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { OciProcess } from '../../oci/runtime-spec.js';
import { prepareProcess } from './prepare-process.js';

describe('prepareProcess', () => {
  const rootfs = mkdtempSync(join(tmpdir(), 'berth-prepare-'));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n');
  after(() => rmSync(rootfs, { recursive: true, force: true }));
  const proc = (p: Partial<OciProcess>): OciProcess => ({ cwd: '/', user: { uid: 0, gid: 0 }, args: ['sh'], ...p });

  it('keeps the first place and the last value of a repeated variable, as runc\'s init sets them', () => {
    assert.deepEqual(prepareProcess(proc({ env: ['A=1', 'B=2', 'A=3', 'HOME=/h'] }), rootfs).env, ['A=3', 'B=2', 'HOME=/h']);
  });

  it('sets HOME from the container\'s passwd when unset or empty, "/" for an unknown uid', () => {
    assert.deepEqual(prepareProcess(proc({ env: [] }), rootfs).env, ['HOME=/root']);
    assert.deepEqual(prepareProcess(proc({ env: ['HOME='], user: { uid: 65534, gid: 0 } }), rootfs).env, ['HOME=/nonexistent']);
    assert.deepEqual(prepareProcess(proc({ user: { uid: 1234, gid: 0 } }), rootfs).env, ['HOME=/']);
  });

  it('reads passwd through the rootfs\'s own links, never the host\'s files', () => {
    const other = mkdtempSync(join(tmpdir(), 'berth-prepare-'));
    mkdirSync(join(other, 'etc'));
    symlinkSync('/etc/../../etc/passwd-of-image', join(other, 'etc/passwd'));
    writeFileSync(join(other, 'etc/passwd-of-image'), 'root:x:0:0::/from-image:/bin/sh\n');
    try {
      assert.deepEqual(prepareProcess(proc({}), other).env, ['HOME=/from-image']);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps only the ambient capabilities that are permitted and inheritable', () => {
    const capabilities = { permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL', 'CAP_CHOWN'] };
    assert.deepEqual(prepareProcess(proc({ capabilities }), rootfs).capabilities?.ambient, ['CAP_KILL']);
  });

  it('rejects a variable without "="', () => {
    assert.throws(() => prepareProcess(proc({ env: ['NOEQUALS'] }), rootfs), /missing '='/);
  });
});
