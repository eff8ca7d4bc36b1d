import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgument } from '../common/errors.js';
import type { OciSeccomp } from '../oci/runtime-spec.js';
import { DEFAULT_CAPABILITIES } from './oci-spec-builder.js';
import { builtinProfile, type Machine, parseDockerProfile, resolveProfile, seccompOption, seccompProfile } from './seccomp-profile.js';

const amd64: Machine = { arch: 'amd64', kernel: '6.1.0-18-amd64' };

/** name → how it is treated ("allow", "errno 38", "allow if arg0 masked 0x7e020000 == 0"...), all rules of a name joined. */
function treatment(s: OciSeccomp): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of s.syscalls ?? []) {
    let how = r.action === 'SCMP_ACT_ALLOW' ? 'allow' : r.action === 'SCMP_ACT_ERRNO' ? `errno ${r.errnoRet ?? 1}` : r.action;
    for (const a of r.args ?? []) how += ` if arg${a.index} ${a.op.slice(9).toLowerCase()} 0x${a.value.toString(16)}${a.valueTwo ? ` 0x${a.valueTwo.toString(16)}` : ''}`;
    for (const n of r.names) out.set(n, [...(out.get(n) ?? []), how]);
  }
  return out;
}

const defaultContainer = () => seccompProfile({ securityOpt: [], privileged: false, bounding: DEFAULT_CAPABILITIES, machine: amd64 })!;

test('the default profile refuses with EPERM what it does not list, on x86_64 and its i386 and x32 ABIs', () => {
  const s = defaultContainer();
  assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.defaultErrnoRet, 1);
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const t = treatment(s);
  for (const n of ['read', 'openat', 'execve', 'fork', 'wait4', 'futex', 'io_uring_setup', 'chroot', 'arch_prctl', 'modify_ldt', 'ptrace']) {
    assert.deepEqual(t.get(n), ['allow'], n);
  }
  // Namespaces, mounts, keyrings, modules, clocks, reboot: not listed for default capabilities.
  for (const n of ['unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'add_key', 'keyctl', 'request_key', 'init_module',
    'finit_module', 'settimeofday', 'clock_settime', 'reboot', 'kexec_load', 'bpf', 'perf_event_open', 'userfaultfd', 'kcmp',
    'open_by_handle_at', 'swapon', 'acct', 'iopl', 'vhangup', 'syslog', 'mbind', 'arm_fadvise64_64']) {
    assert.equal(t.get(n), undefined, n);
  }
});

test('the default profile filters clone, clone3, personality and socket by their arguments', () => {
  const t = treatment(defaultContainer());
  assert.deepEqual(t.get('clone'), ['allow if arg0 masked_eq 0x7e020000']);
  assert.deepEqual(t.get('clone3'), ['errno 38']);
  assert.deepEqual(t.get('personality'), ['0x0', '0x8', '0x20000', '0x20008', '0xffffffff'].map((v) => `allow if arg0 eq ${v}`));
  assert.deepEqual(t.get('socket'), ['allow if arg0 ne 0x28']);
});

test('the default profile allows the calls a capability guards when the bounding set has it', () => {
  const withCaps = (...caps: string[]) => treatment(seccompProfile({ securityOpt: [], privileged: false, bounding: [...DEFAULT_CAPABILITIES, ...caps], machine: amd64 })!);
  const admin = withCaps('CAP_SYS_ADMIN');
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'bpf', 'perf_event_open', 'fsopen', 'quotactl', 'syslog']) assert.deepEqual(admin.get(n), ['allow'], n);
  assert.deepEqual(admin.get('clone'), ['allow'], 'any clone, no argument rule');
  assert.deepEqual(admin.get('clone3'), ['allow'], 'no ENOSYS');
  assert.deepEqual(withCaps('CAP_SYS_PTRACE').get('kcmp'), ['allow']);
  assert.deepEqual(withCaps('SYS_MODULE').get('finit_module'), ['allow'], 'capabilities with or without CAP_');
  assert.deepEqual(withCaps('CAP_SYS_TIME').get('clock_settime'), ['allow']);
  assert.deepEqual(withCaps('CAP_DAC_READ_SEARCH').get('open_by_handle_at'), ['allow']);
  assert.equal(withCaps('CAP_SYS_PTRACE').get('mount'), undefined);
});

test('the default profile follows the machine: arm64 covers arm and allows its cache calls; kernels before 4.8 get no ptrace', () => {
  const arm = resolveProfile(builtinProfile(), DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: '5.10.0' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const t = treatment(arm);
  assert.deepEqual(t.get('cacheflush'), ['allow']);
  assert.equal(t.get('arch_prctl'), undefined);
  const s390 = treatment(resolveProfile(builtinProfile(), DEFAULT_CAPABILITIES, { arch: 's390x', kernel: '5.10.0' }));
  assert.deepEqual(s390.get('clone'), ['allow if arg1 masked_eq 0x7e020000'], 's390 passes the flags second');
  const old = treatment(resolveProfile(builtinProfile(), DEFAULT_CAPABILITIES, { arch: 'amd64', kernel: '4.4.0-210-generic' }));
  assert.equal(old.get('ptrace'), undefined);
});

test('seccompProfile gives no filter to privileged or unconfined containers, and the builtin one for "builtin"', () => {
  const base = { privileged: false, bounding: DEFAULT_CAPABILITIES, machine: amd64 };
  assert.equal(seccompProfile({ ...base, privileged: true, securityOpt: [] }), undefined);
  assert.equal(seccompProfile({ ...base, privileged: true, securityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }), undefined);
  assert.equal(seccompProfile({ ...base, securityOpt: ['seccomp=unconfined'] }), undefined);
  assert.equal(seccompProfile({ ...base, securityOpt: ['no-new-privileges', 'seccomp:unconfined'] }), undefined);
  assert.deepEqual(seccompProfile({ ...base, securityOpt: ['seccomp=builtin'] }), defaultContainer());
  assert.equal(seccompOption(['seccomp=unconfined', 'seccomp=builtin']), 'builtin', 'the last one counts');
});

test('seccompProfile takes a profile in Docker\'s format from seccomp=<json>, with its conditions', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ALLOW',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122, comment: 'no new directories' },
      { name: 'chmod', action: 'SCMP_ACT_ERRNO' },
      { names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['reboot'], action: 'SCMP_ACT_KILL', includes: { arches: ['arm64'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: '99.0' } },
    ],
  };
  const s = seccompProfile({ securityOpt: [`seccomp=${JSON.stringify(profile)}`], privileged: false, bounding: DEFAULT_CAPABILITIES, machine: amd64 })!;
  assert.deepEqual(s, {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
      { names: ['mount'], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  assert.equal(seccompProfile({ securityOpt: ['seccomp={}'], privileged: false, bounding: [], machine: amd64 }), undefined, 'an empty profile is no filter');
});

test('parseDockerProfile refuses what dockerd refuses, in its words', () => {
  const cases: [string, RegExp][] = [
    ['{"defaultAction":', /^Decoding seccomp profile failed: /],
    ['[1]', /^Decoding seccomp profile failed: not a JSON object/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}', /both 'architectures' and 'archMap'/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}', /both 'name' and 'names'/],
  ];
  for (const [text, says] of cases) assert.throws(() => parseDockerProfile(text), (e: Error) => e instanceof InvalidArgument && says.test(e.message), text);
  assert.throws(() => resolveProfile(parseDockerProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"four"}}]}')!, [], amd64),
    /invalid kernel version in the seccomp profile: "four"/);
});

test('the default profile lists each syscall once per group', () => {
  const base = builtinProfile().rules[0]!.names;
  assert.equal(new Set(base).size, base.length);
});

// Docker's own profile (moby v24), kept next to the repository as reference data.
const dockerDefault = fileURLToPath(new URL('../../../../shared/specs/docker-defaults/seccomp-default.json', import.meta.url));

test('the default profile has the effect of Docker\'s on every architecture, kernel and capability set', { skip: !existsSync(dockerDefault) && 'Docker\'s profile is not at ../shared/specs' }, () => {
  const docker = parseDockerProfile(readFileSync(dockerDefault, 'utf8'))!;
  const ours = builtinProfile();
  const gated = ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_SYS_TIME', 'CAP_SYS_NICE', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT',
    'CAP_SYS_CHROOT', 'CAP_SYS_PACCT', 'CAP_SYS_TTY_CONFIG', 'CAP_DAC_READ_SEARCH', 'CAP_SYSLOG', 'CAP_BPF', 'CAP_PERFMON'];
  const capSets = [[], DEFAULT_CAPABILITIES, ...gated.map((c) => [c]), gated];
  const rules = (s: OciSeccomp) => [...treatment(s)].map(([n, how]) => `${n}: ${[...how].sort().join(' | ')}`).sort();
  for (const arch of ['amd64', '386', 'arm64', 'arm', 'ppc64le', 's390x', 'riscv64', 'mips64le']) {
    for (const kernel of ['6.1.0', '4.4.0']) {
      for (const caps of capSets) {
        const want = resolveProfile(docker, caps, { arch, kernel });
        const got = resolveProfile(ours, caps, { arch, kernel });
        const where = `${arch}, kernel ${kernel}, ${caps.join(',') || 'no capabilities'}`;
        assert.deepEqual(rules(got), rules(want), where);
        assert.deepEqual(got.architectures, want.architectures, where);
        assert.equal(got.defaultAction, want.defaultAction);
        assert.equal(got.defaultErrnoRet, want.defaultErrnoRet);
      }
    }
  }
});
