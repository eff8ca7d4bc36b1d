import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgument } from '../../common/errors.js';
import type { OciSeccomp } from '../../oci/runtime-spec.js';
import { BERTH_SECCOMP, SeccompCompiler } from './seccomp-compiler.js';

/*
 * berth-seccomp is run for real (it needs no privilege); the programs it makes are run here by a
 * small classic-BPF interpreter over seccomp_data, so that what a filter decides is checked without
 * loading it into a process.
 */

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;
const X32 = 0x40000000;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_THREAD = 0;
const RET_KILL_PROCESS = 0x80000000;
const errno = (e: number) => (0x00050000 | e) >>> 0;
const EPERM = errno(1);
const ENOSYS = errno(38);

/** x86_64 numbers. */
const NR = { read: 0, mkdir: 83, getpid: 39, clone: 56, personality: 135, socket: 41, unshare: 272, clone3: 435, fchmodat2: 452 };

/** Runs a seccomp program on one syscall: what the kernel would do with it. */
function decide(program: Buffer, call: { arch?: number; nr: number; args?: (number | bigint)[] }): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(call.nr >>> 0, 0);
  data.writeUInt32LE(call.arch ?? AUDIT_ARCH_X86_64, 4);
  (call.args ?? []).forEach((a, i) => data.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  const mem = new Uint32Array(16);
  let A = 0;
  let X = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program[pc * 8 + 2]!;
    const jf = program[pc * 8 + 3]!;
    const k = program.readUInt32LE(pc * 8 + 4);
    const src = code & 0x08 ? X : k;
    switch (code & 0x07) {
      case 0x00: // ld
        A = (code & 0xe0) === 0x20 ? data.readUInt32LE(k) : (code & 0xe0) === 0x60 ? mem[k]! : k;
        break;
      case 0x01: // ldx
        X = (code & 0xe0) === 0x60 ? mem[k]! : k;
        break;
      case 0x02: // st
        mem[k] = A;
        break;
      case 0x03: // stx
        mem[k] = X;
        break;
      case 0x04: { // alu
        const op = code & 0xf0;
        if (op === 0x50) A = (A & src) >>> 0;
        else if (op === 0x40) A = (A | src) >>> 0;
        else throw new Error(`alu op ${op.toString(16)} at ${pc}`);
        break;
      }
      case 0x05: { // jmp
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const holds = op === 0x10 ? A === src : op === 0x20 ? A > src : op === 0x30 ? A >= src : op === 0x40 ? (A & src) !== 0 : undefined;
        if (holds === undefined) throw new Error(`jump op ${op.toString(16)} at ${pc}`);
        pc += holds ? jt : jf;
        break;
      }
      case 0x06: // ret
        return (code & 0x18) === 0x10 ? A : k;
      case 0x07: // misc
        if (code & 0x80) A = X;
        else X = A;
        break;
    }
  }
  throw new Error('the program ran off its end');
}

/** A filter shaped like a container's: an allow-list over EPERM, argument conditions, an ENOSYS rule. */
const containerLike: OciSeccomp = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [
    { names: ['read', 'write', 'getpid', 'mkdir', 'exit_group', 'futex_waitv', 'no_such_syscall_at_all'], action: 'SCMP_ACT_ALLOW' },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-seccomp-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('SeccompCompiler compiles a container-like profile that decides as the profile says', { skip: !existsSync(BERTH_SECCOMP) && 'berth-seccomp is not built' }, async () => {
  const p = await new SeccompCompiler().compile(containerLike);
  assert.equal(p.length % 8, 0);
  const cases: [string, Parameters<typeof decide>[1], number][] = [
    ['an allowed call', { nr: NR.getpid }, RET_ALLOW],
    ['a call the list leaves out', { nr: NR.unshare }, EPERM],
    ['clone of a thread', { nr: NR.clone, args: [0x3d0f00] }, RET_ALLOW],
    ['clone into a new user namespace', { nr: NR.clone, args: [0x10000000 | 17] }, EPERM],
    ['clone3', { nr: NR.clone3 }, ENOSYS],
    ['personality query', { nr: NR.personality, args: [0xffffffff] }, RET_ALLOW],
    ['personality READ_IMPLIES_EXEC', { nr: NR.personality, args: [0x400000] }, EPERM],
    ['an inet socket', { nr: NR.socket, args: [2] }, RET_ALLOW],
    ['a vsock socket', { nr: NR.socket, args: [40] }, EPERM],
    ['a syscall newer than any the profile names', { nr: NR.fchmodat2 }, ENOSYS],
    ['an old one it leaves out, below that', { nr: 300 }, EPERM],
    ['i386 getpid', { arch: AUDIT_ARCH_I386, nr: 20 }, RET_ALLOW],
    ['i386 mkdir', { arch: AUDIT_ARCH_I386, nr: 39 }, RET_ALLOW],
    ['i386 above its newest', { arch: AUDIT_ARCH_I386, nr: 460 }, ENOSYS],
    ['x32 getpid', { nr: X32 | 39 }, RET_ALLOW],
    ['x32 unshare', { nr: X32 | 272 }, EPERM],
    ['x32 above its newest', { nr: X32 | 460 }, ENOSYS],
    ['an architecture the filter does not cover', { arch: AUDIT_ARCH_AARCH64, nr: 172 }, RET_KILL_THREAD],
  ];
  for (const [what, call, want] of cases) assert.equal(decide(p, call).toString(16), want.toString(16), what);
});

test('SeccompCompiler gives the errno a rule names and lets new syscalls through under an allowing default', { skip: !existsSync(BERTH_SECCOMP) && 'berth-seccomp is not built' }, async () => {
  const p = await new SeccompCompiler().compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 },
      { names: ['unshare'], action: 'SCMP_ACT_KILL_PROCESS' },
    ],
  });
  assert.equal(decide(p, { nr: NR.mkdir }), errno(122));
  assert.equal(decide(p, { nr: NR.unshare }), RET_KILL_PROCESS);
  assert.equal(decide(p, { nr: NR.read }), RET_ALLOW);
  assert.equal(decide(p, { nr: NR.fchmodat2 }), RET_ALLOW);
});

test('SeccompCompiler compiles a section once, in memory and across instances through its cache directory', { skip: !existsSync(BERTH_SECCOMP) && 'berth-seccomp is not built' }, async () => {
  // A wrapper that counts the compilations it passes on.
  const count = join(dir, 'count');
  const wrapper = join(dir, 'counting-seccomp');
  writeFileSync(wrapper, `#!/bin/sh\necho x >> '${count}'\nexec '${BERTH_SECCOMP}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const compilations = () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').filter(Boolean).length : 0);
  const cacheDir = join(dir, 'cache');

  const first = new SeccompCompiler({ binary: wrapper, cacheDir });
  const [a, b] = await Promise.all([first.compile(containerLike), first.compile(structuredClone(containerLike))]);
  assert.equal(compilations(), 1, 'two concurrent requests share one compilation');
  assert.ok(a.equals(b));
  const again = await new SeccompCompiler({ binary: wrapper, cacheDir }).compile(structuredClone(containerLike));
  assert.equal(compilations(), 1, 'another instance finds it on disk');
  assert.ok(again.equals(a));

  // A file whose rules are not these (a collision, or tampering) is not taken.
  const [file] = readdirSync(cacheDir);
  const path = join(cacheDir, file!);
  const bytes = readFileSync(path);
  const flip = (at: number) => bytes.writeUInt8(bytes[at]! ^ 0xff, at);
  // One byte of the section it was compiled from (its last), and one of the program.
  flip(3 + bytes.readUInt32LE(0));
  flip(bytes.length - 9);
  writeFileSync(path, bytes);
  const recompiled = await new SeccompCompiler({ binary: wrapper, cacheDir }).compile(containerLike);
  assert.equal(compilations(), 2);
  assert.ok(recompiled.equals(a));

  await new SeccompCompiler({ binary: wrapper, cacheDir }).compile({ ...containerLike, defaultErrnoRet: 13 });
  assert.equal(compilations(), 3, 'another section is compiled');
});

test('SeccompCompiler rejects with InvalidArgument what libseccomp refuses, and compiles it again next time', { skip: !existsSync(BERTH_SECCOMP) && 'berth-seccomp is not built' }, async () => {
  const c = new SeccompCompiler();
  // Big-endian s390x cannot share a filter with little-endian x86_64.
  const bad: OciSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_S390X'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  for (let i = 0; i < 2; i++) {
    await assert.rejects(c.compile(bad), (e: Error) => e instanceof InvalidArgument && /^compiling the seccomp profile: s390x: /.test(e.message));
  }
});
