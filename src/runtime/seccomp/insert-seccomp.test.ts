import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OciProcess, OciSpec } from '../../oci/runtime-spec.js';
import type { CgroupLayout } from '../cgroups.js';
import { PlanOp } from '../plan-codes.js';
import { compileExecPlan, compileInitPlan } from '../plan.js';
import { insertSeccomp } from './insert-seccomp.js';

const opName = new Map<number, string>(Object.entries(PlanOp).map(([k, v]) => [v, k.slice(3)]));

function ops(plan: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off < plan.length; off += 8 + plan.readUInt32LE(off + 4)) out.push(opName.get(plan.readUInt16LE(off)) ?? '?');
  return out;
}

const layout: CgroupLayout = { version: 1, controllers: new Map([['pids', '/cg/pids']]), named: new Map(), unified: '', hasSwapAccounting: false };
const caps = ['CAP_CHOWN', 'CAP_KILL'];
const process = (noNewPrivileges: boolean): OciProcess => ({
  user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', noNewPrivileges,
  capabilities: { bounding: caps, effective: caps, permitted: caps },
});
const spec = (noNewPrivileges: boolean): OciSpec => ({
  ociVersion: '1.2.0', process: process(noNewPrivileges), root: { path: '/rootfs' },
  linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }], cgroupsPath: '/c' },
});
const program = Buffer.alloc(16, 1);

test('insertSeccomp loads the filter before the user and capability changes without no_new_privs, as runc does', () => {
  const { plan } = compileInitPlan(spec(false), { cgroups: layout, startFifo: '/run/x/exec.fifo' });
  const got = ops(insertSeccomp(plan, program, false));
  const at = got.indexOf('SECCOMP');
  assert.equal(got.filter((o) => o === 'SECCOMP').length, 1);
  assert.equal(got[at - 1], 'SETSID');
  assert.deepEqual(got.slice(at + 1, at + 3), ['CAP_BOUNDING', 'KEEPCAPS']);
  assert.ok(got.indexOf('CAPS') > at && got.indexOf('FIFO_WAIT') > at);
});

test('insertSeccomp loads the filter last with no_new_privs, after the start fifo', () => {
  const { plan } = compileInitPlan(spec(true), { cgroups: layout, startFifo: '/run/x/exec.fifo' });
  const got = ops(insertSeccomp(plan, program, true));
  assert.deepEqual(got.slice(-3), ['READY', 'FIFO_WAIT', 'SECCOMP']);
});

test('insertSeccomp places the filter in an exec plan too, and keeps the program as it is', () => {
  const plan = compileExecPlan({ ...process(false), capabilities: undefined }, { initPid: 42, namespaces: ['mount', 'pid'], cgroupProcs: [] });
  const out = insertSeccomp(plan, program, false);
  const got = ops(out);
  assert.deepEqual(got.slice(got.indexOf('SECCOMP') - 1, got.indexOf('SECCOMP') + 2), ['SETSID', 'SECCOMP', 'SETGROUPS']);
  assert.ok(out.includes(program));
  assert.equal(out.length, plan.length + 8 + program.length);
});
