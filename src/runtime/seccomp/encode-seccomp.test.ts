import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument, NotImplemented } from '../../common/errors.js';
import type { OciSeccomp } from '../../oci/runtime-spec.js';
import { FilterAction, FilterCmp, FilterRec } from '../plan-codes.js';
import { encodeSeccomp } from './encode-seccomp.js';

const tagName = new Map<number, string>(Object.entries(FilterRec).map(([k, v]) => [v, k.slice(3)]));

/** The records as readable tuples: [tag, ...fields]. */
function decode(buf: Buffer): (string | number | bigint)[][] {
  const out: (string | number | bigint)[][] = [];
  for (let off = 0; off < buf.length; ) {
    const tag = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 4);
    const p = buf.subarray(off + 8, off + 8 + len);
    const name = tagName.get(tag) ?? String(tag);
    if (tag === FilterRec.BF_DEFAULT) out.push([name, p.readUInt32LE(0), p.readUInt32LE(4)]);
    else if (tag === FilterRec.BF_RULE) out.push([name, p.readUInt32LE(0), p.readUInt32LE(4), p.subarray(8, -1).toString()]);
    else if (tag === FilterRec.BF_ARG) out.push([name, p.readUInt32LE(0), p.readUInt32LE(4), p.readBigUInt64LE(8), p.readBigUInt64LE(16)]);
    else if (tag === FilterRec.BF_FLAGS) out.push([name, p.readUInt32LE(0)]);
    else if (len) out.push([name, p.subarray(0, -1).toString()]);
    else out.push([name]);
    off += 8 + len;
  }
  return out;
}

const { BF_ACT_ALLOW: ALLOW, BF_ACT_ERRNO: ERRNO, BF_ACT_TRACE: TRACE, BF_ACT_KILL_THREAD: KILL, BF_ACT_KILL_PROCESS: KILL_PROCESS } = FilterAction;

test('encodeSeccomp maps the default action, architectures and flags, and asks for the ENOSYS stub under a refusing default', () => {
  const got = decode(encodeSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86'],
    flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
  }));
  assert.deepEqual(got, [
    ['DEFAULT', ERRNO, 1],
    ['ARCH', 'x86_64'], ['ARCH', 'x86'], ['ARCH', 'x32'],
    ['FLAGS', 6],
    ['ENOSYS_STUB'],
    ['RULE', ALLOW, 0, 'getpid'],
  ]);
});

test('encodeSeccomp gives ERRNO and TRACE EPERM unless errnoRet says otherwise, and refuses an errno elsewhere', () => {
  const rules = (syscalls: OciSeccomp['syscalls']) => decode(encodeSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls })).filter((r) => r[0] === 'RULE');
  assert.deepEqual(rules([
    { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 },
    { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
    { names: ['ptrace'], action: 'SCMP_ACT_TRACE' },
    { names: ['reboot'], action: 'SCMP_ACT_KILL' },
    { names: ['kexec_load'], action: 'SCMP_ACT_KILL_PROCESS' },
  ]), [
    ['RULE', ERRNO, 122, 'mkdir'], ['RULE', ERRNO, 122, 'mkdirat'], ['RULE', ERRNO, 1, 'chmod'], ['RULE', TRACE, 1, 'ptrace'],
    ['RULE', KILL, 0, 'reboot'], ['RULE', KILL_PROCESS, 0, 'kexec_load'],
  ]);
  assert.throws(() => rules([{ names: ['x'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }]), (e: Error) =>
    e instanceof InvalidArgument && /SCMP_ACT_ALLOW" does not take an errno/.test(e.message));
});

test('encodeSeccomp names what it does not know', () => {
  const cases: [OciSeccomp, RegExp][] = [
    [{ defaultAction: 'SCMP_ACT_PERMIT' }, /defaultAction: unknown seccomp action "SCMP_ACT_PERMIT"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] }, /unknown architecture "SCMP_ARCH_VAX"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }, /unsupported flag "SECCOMP_FILTER_FLAG_FAST"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]: names must list at least one syscall/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }] },
      /syscalls\[0\]\.args\[0\]: unknown seccomp operator "SCMP_CMP_LIKE"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] },
      /argument index 6 is out of range/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] },
      /-1 is not an unsigned 64-bit value/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['re ad'], action: 'SCMP_ACT_ERRNO' }] }, /invalid syscall name "re ad"/],
  ];
  for (const [oci, says] of cases) assert.throws(() => encodeSeccomp(oci), (e: Error) => e instanceof InvalidArgument && says.test(e.message), String(says));
  assert.throws(() => encodeSeccomp({ defaultAction: 'SCMP_ACT_NOTIFY' }), NotImplemented);
  assert.throws(() => encodeSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock' } as OciSeccomp), NotImplemented);
});

test('encodeSeccomp turns rules that repeat the default action into names only, as runc drops them', () => {
  const got = decode(encodeSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    syscalls: [{ names: ['fchmodat2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }, { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }],
  }));
  assert.deepEqual(got.slice(2), [['NAMED', 'fchmodat2'], ['RULE', ERRNO, 5, 'read']]);
});

test('encodeSeccomp keeps conditions on different arguments together and splits those on the same one into rules', () => {
  const { BF_CMP_EQ: EQ, BF_CMP_MASKED_EQ: MASKED } = FilterCmp;
  const got = decode(encodeSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['clone'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }, { index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 4, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0xffffffffffff, op: 'SCMP_CMP_EQ' }] },
    ],
  }));
  assert.deepEqual(got.slice(1), [
    ['RULE', ERRNO, 1, 'clone'], ['ARG', 0, MASKED, 0x10000000n, 0x10000000n], ['ARG', 1, EQ, 0n, 0n],
    ['RULE', ERRNO, 1, 'personality'], ['ARG', 0, EQ, 4n, 0n],
    ['RULE', ERRNO, 1, 'personality'], ['ARG', 0, EQ, 0xffffffffffffn, 0n],
  ]);
});

test('encodeSeccomp asks for a binary tree past 32 syscalls, and for no ENOSYS stub under an allowing or ENOSYS default', () => {
  const names = Array.from({ length: 33 }, (_, i) => `call_${i}`);
  const tags = (oci: OciSeccomp) => decode(encodeSeccomp(oci)).map((r) => r[0]).filter((t) => t !== 'RULE' && t !== 'DEFAULT');
  assert.deepEqual(tags({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] }), ['BINARY_TREE', 'ENOSYS_STUB']);
  assert.deepEqual(tags({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: names.slice(1), action: 'SCMP_ACT_ALLOW' }] }), ['ENOSYS_STUB']);
  for (const defaultAction of ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']) assert.deepEqual(tags({ defaultAction }), []);
  assert.deepEqual(tags({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }), []);
  assert.deepEqual(tags({ defaultAction: 'SCMP_ACT_KILL_PROCESS' }), ['ENOSYS_STUB']);
});

test('encodeSeccomp gives the same bytes for the same section', () => {
  const oci = (): OciSeccomp => ({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] });
  assert.ok(encodeSeccomp(oci()).equals(encodeSeccomp(oci())));
});
