import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OciSpec } from '../oci/runtime-spec.js';
import type { CgroupLayout } from './cgroups.js';
import { CLONE_NEW, MS } from './linux-constants.js';
import { PlanOp } from './plan-codes.js';
import { compileExecPlan, compileInitPlan } from './plan.js';

const opName = new Map<number, string>(Object.entries(PlanOp).map(([k, v]) => [v, k.slice(3)]));

/** The records of a plan as [op, first string of the payload after `skip` bytes]. */
function records(plan: Buffer): { op: string; payload: Buffer }[] {
  const out: { op: string; payload: Buffer }[] = [];
  for (let off = 0; off < plan.length; ) {
    const tag = plan.readUInt16LE(off);
    const len = plan.readUInt32LE(off + 4);
    out.push({ op: opName.get(tag) ?? String(tag), payload: plan.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}
const strings = (p: Buffer, skip = 0) => p.subarray(skip).toString().split('\0').filter(Boolean);

const layout: CgroupLayout = {
  version: 1,
  controllers: new Map([['memory', '/cg/memory'], ['pids', '/cg/pids']]),
  named: new Map(),
  unified: '',
  hasSwapAccounting: false,
};

const spec = (terminal = false): OciSpec => ({
  ociVersion: '1.2.0',
  process: { terminal, user: { uid: 1000, gid: 1000, additionalGids: [1000, 10] }, args: ['sh', '-c', 'true'], env: ['PATH=/bin:/usr/bin'], cwd: '/work' },
  root: { path: '/rootfs' },
  hostname: 'box',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['newinstance', 'ptmxmode=0666'] },
  ],
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'ipc', path: '/proc/1/ns/ipc' }],
    cgroupsPath: '/berth/c1',
    resources: { memory: { limit: 1 << 20 }, pids: { limit: 10 } },
    maskedPaths: ['/proc/kcore'],
  },
});

test('compileInitPlan creates the namespaces, joins cgroups first, mounts parents before children, pivots, then runs the program', () => {
  const { plan, cgroups } = compileInitPlan(spec(), { cgroups: layout, rootfsMount: { type: 'overlay', source: 'overlay', options: ['lowerdir=/l'] } });
  const r = records(plan);
  const ops = r.map((x) => x.op);
  const flags = r[0]!.payload.readBigUInt64LE(0);
  assert.equal(ops[0], 'CLONE_FLAGS');
  assert.equal(flags, BigInt(CLONE_NEW.pid | CLONE_NEW.mount | CLONE_NEW.network | CLONE_NEW.uts), 'the joined ipc namespace is not created');
  const joins = r.filter((x) => x.op === 'WRITE' && strings(x.payload)[0]!.endsWith('/tasks')).map((x) => strings(x.payload)[0]);
  assert.deepEqual(joins, ['/cg/memory/berth/c1/tasks', '/cg/pids/berth/c1/tasks']);
  assert.ok(ops.indexOf('WRITE') < ops.indexOf('SETNS') && ops.indexOf('SETNS') < ops.indexOf('MOUNT'), 'cgroups, then namespaces, then mounts');
  const mountTargets = r.filter((x) => x.op === 'MOUNT').map((x) => strings(x.payload, 8)[1] ?? strings(x.payload, 8)[0]);
  assert.deepEqual(mountTargets.slice(1, 5), ['/rootfs', 'proc', 'dev', 'dev/pts'], 'the root, then mounts inside it by relative paths, parents first');
  assert.ok(ops.indexOf('ROOT') > ops.indexOf('MOUNT') && ops.indexOf('ROOT') < ops.lastIndexOf('MOUNT'), 'the root is fixed once mounted, before the mounts inside it');
  assert.ok(ops.indexOf('PIVOT_ROOT') > ops.lastIndexOf('MKNOD'), 'devices are made under the new root before pivoting');
  assert.ok(ops.indexOf('MASK') > ops.indexOf('PIVOT_ROOT'));
  assert.ok(ops.indexOf('SETUID') > ops.indexOf('SETGID') && ops.indexOf('CHDIR') > ops.indexOf('SETUID'), 'chdir as the user');
  assert.deepEqual(r.filter((x) => x.op === 'ARG').map((x) => strings(x.payload)[0]), ['sh', '-c', 'true']);
  assert.equal(ops.at(-1), 'EXEC');
  assert.equal(strings(r.at(-1)!.payload)[0], '/bin:/usr/bin', 'the program is looked up in the config\'s PATH');
  assert.equal(ops.includes('CONSOLE_NEW'), false);
  assert.deepEqual(cgroups.leaves, ['/cg/memory/berth/c1', '/cg/pids/berth/c1']);
});

test('compileInitPlan makes a terminal in the container\'s devpts after pivot_root and binds it to /dev/console', () => {
  const ops = records(compileInitPlan(spec(true), { cgroups: layout }).plan).map((x) => x.op);
  assert.ok(ops.indexOf('CONSOLE_NEW') > ops.indexOf('PIVOT_ROOT'));
  assert.equal(ops[ops.indexOf('CONSOLE_NEW') + 1], 'BIND_TTY');
  assert.ok(ops.indexOf('SET_CTTY') > ops.indexOf('CONSOLE_NEW'));
});

test('compileInitPlan: mounts are slaves of the host by default, and a shared mount under the root is made private first', () => {
  const propagation = (s: OciSpec, shared: boolean) =>
    records(compileInitPlan(s, { cgroups: layout, rootMount: { mountPoint: '/srv', shared } }).plan)
      .filter((x) => x.op === 'MOUNT' && (x.payload.readBigUInt64LE(0) & BigInt(MS.PRIVATE | MS.SLAVE | MS.SHARED)) !== 0n)
      .map((x) => [Number(x.payload.readBigUInt64LE(0)), strings(x.payload, 8)[0]]);
  assert.deepEqual(propagation(spec(), true), [[MS.SLAVE | MS.REC, '/']], 'rslave leaves nothing shared');
  const shared = spec();
  shared.linux!.rootfsPropagation = 'rshared';
  assert.deepEqual(propagation(shared, false), [[MS.SHARED | MS.REC, '/'], [MS.PRIVATE, '/srv']], 'rshared makes the root\'s mount shared: private it');
  const slave = spec();
  slave.linux!.rootfsPropagation = 'slave';
  assert.deepEqual(propagation(slave, true), [[MS.SLAVE, '/'], [MS.PRIVATE, '/srv']], 'a non-recursive slave of / leaves /srv shared');
  assert.deepEqual(propagation(slave, false), [[MS.SLAVE, '/']]);
});

test('compileExecPlan joins cgroups while the host is in view, then the namespaces, then forks into the pid namespace', () => {
  const proc = { ...spec(true).process!, args: ['ls'] };
  const ops = records(compileExecPlan(proc, { initPid: 42, namespaces: ['pid', 'mount', 'ipc'], cgroupProcs: ['/cg/pids/berth/c1/tasks'] })).map((x) => x.op);
  assert.deepEqual(ops.slice(0, 6), ['WRITE', 'SETNS', 'SETNS', 'SETNS', 'FORK', 'CONSOLE_NEW']);
  assert.equal(ops.at(-1), 'EXEC');
});

test('compileInitPlan places hooks and the seccomp filter where runc runs them', () => {
  const s = spec();
  const hook = (name: string) => [{ path: `/hooks/${name}`, args: [name, '--flag'], env: ['A=1'], timeout: 2 }];
  s.hooks = {
    prestart: hook('prestart'), createRuntime: hook('createRuntime'), createContainer: hook('createContainer'),
    startContainer: hook('startContainer'), poststart: hook('poststart'), poststop: hook('poststop'),
  };
  const state = { ociVersion: '1.2.0', id: 'c1', bundle: '/b' };
  const bpf = Buffer.alloc(8, 1);
  const opsOf = (noNewPrivileges: boolean, fifo: boolean) => {
    s.process!.noNewPrivileges = noNewPrivileges;
    return records(compileInitPlan(s, { cgroups: layout, hookState: state, seccomp: bpf, ...(fifo ? { startFifo: '/run/x/exec.fifo' } : {}) }).plan);
  };
  const r = opsOf(false, true);
  const ops = r.map((x) => x.op);
  // Only the four stages the plan runs; poststart and poststop are the CLI's.
  const hooks = r.filter((x) => x.op === 'HOOK').map((x) => [x.payload.readUInt32LE(0), x.payload.readUInt32LE(4), x.payload.readUInt32LE(8), ...strings(x.payload, 12)]);
  assert.deepEqual(hooks, [
    [1, 2000, 2, '/hooks/prestart', 'prestart', '--flag', 'A=1'], [2, 2000, 2, '/hooks/createRuntime', 'createRuntime', '--flag', 'A=1'],
    [3, 2000, 2, '/hooks/createContainer', 'createContainer', '--flag', 'A=1'], [4, 2000, 2, '/hooks/startContainer', 'startContainer', '--flag', 'A=1'],
  ]);
  const states = r.filter((x) => x.op === 'HOOK_STATE').map((x) => strings(x.payload, 4).join('<pid>'));
  assert.equal(states[0], '{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":<pid>,"bundle":"/b"}');
  assert.equal(states[3], '{"ociVersion":"1.2.0","id":"c1","status":"created","pid":<pid>,"bundle":"/b"}');
  const parent = r.find((x) => x.op === 'HOOKS_PARENT')!;
  assert.deepEqual([parent.payload.readUInt32LE(0), parent.payload.readUInt32LE(4)], [1, 2]);
  const runs = r.flatMap((x, i) => (x.op === 'HOOKS_RUN' ? [[i, x.payload.readUInt32LE(0)]] : []));
  assert.deepEqual(runs.map(([, st]) => st), [3, 4]);
  // Mounts done, then the runtime's hooks, createContainer's, and pivot_root.
  assert.ok(ops.lastIndexOf('MOUNT') < ops.indexOf('HOOKS_PARENT') && ops.indexOf('HOOKS_PARENT') < runs[0]![0]! && runs[0]![0]! < ops.indexOf('PIVOT_ROOT'));
  // Without no_new_privs the filter goes in before the user change; startContainer is last, after the fifo.
  assert.ok(ops.indexOf('SECCOMP') < ops.indexOf('SETUID'));
  assert.equal(runs[1]![0], ops.length - 1);
  assert.ok(ops.indexOf('FIFO_WAIT') < runs[1]![0]!);
  // With it, the filter is loaded after the fifo, and startContainer's hooks run under it.
  const nnp = opsOf(true, true).map((x) => x.op);
  assert.ok(nnp.indexOf('FIFO_WAIT') < nnp.indexOf('SECCOMP') && nnp.indexOf('SECCOMP') < nnp.lastIndexOf('HOOKS_RUN'));
  assert.throws(() => compileInitPlan(s, { cgroups: layout }), /the config has hooks, but no state was given/);
});
