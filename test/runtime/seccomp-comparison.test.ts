/**
 * Bundles with a seccomp section under `runc run` and `berth-runtime run`: a static probe inside
 * tries syscalls (test/runtime/syscall-probe.c) and the seccomp mode is read from
 * /proc/self/status. Each row states what both runtimes must show; berth-runtime must show
 * exactly what runc shows. An exec into a running container must be under the container's filter.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CAPABILITIES } from '../../src/container/oci-spec-builder.js';
import { seccompProfile } from '../../src/container/seccomp-profile.js';
import {
  deleteAll, leftoverCgroups, makeBundle, makeBusyboxRootfs, makeTempDir, type Runtime, runRuntime, runtimes, skipReason, uniqueId,
} from './runtime-kit.js';
import { buildSyscallProbe, probeOutcomes } from './syscall-probe.js';

type Config = Record<string, any>;

const CHECKS = [
  'getpid', 'fork', 'clone-newuser', 'clone-newns', 'clone3', 'unshare-user', 'unshare-mount', 'mount', 'add_key', 'keyctl',
  'request_key', 'personality-query', 'personality-exec', 'socket-inet', 'socket-vsock', 'userfaultfd', 'kcmp', 'mkdir',
  // fchmodat2 (newer than Docker's profile) and a number no kernel has.
  'nr-452', 'nr-1000',
];
const PROBE = `grep -E '^Seccomp(_filters)?:' /proc/self/status; /probe ${CHECKS.join(' ')}`;

const EPERM = 'Operation not permitted';
const ENOSYS = 'Function not implemented';

/** Docker's default profile as berthd builds it for these capabilities. */
const dockerDefault = (caps: string[]) => seccompProfile({ securityOpt: [], privileged: false, bounding: caps })!;

interface Row {
  name: string;
  must: string;
  change(c: Config): void;
  /** Outcomes both must show (a subset of the probe's lines). */
  shows: Record<string, string>;
}

const refusedByDefault = {
  'clone-newuser': EPERM, 'unshare-user': EPERM, 'unshare-mount': EPERM, add_key: EPERM, keyctl: EPERM, request_key: EPERM,
  'personality-exec': EPERM, 'socket-vsock': EPERM, userfaultfd: EPERM, kcmp: EPERM,
};

const rows: Row[] = [
  {
    name: 'Docker\'s default profile, without no_new_privs',
    must: 'filter mode 2; namespaces, keyrings, vsock, userfaultfd, kcmp and odd personalities refused with EPERM; clone3 and syscalls newer than the profile ENOSYS; ordinary calls work',
    change: (c) => {
      c.process.noNewPrivileges = false;
      c.linux.seccomp = dockerDefault(c.process.capabilities.bounding);
    },
    shows: { Seccomp: '2', ...refusedByDefault, getpid: 'ok', fork: 'ok', 'socket-inet': 'ok', mkdir: 'ok', clone3: ENOSYS, 'nr-452': ENOSYS, 'nr-1000': ENOSYS },
  },
  {
    name: 'Docker\'s default profile with no_new_privs',
    must: 'the same refusals, the filter loaded after the capabilities are dropped',
    change: (c) => {
      c.process.noNewPrivileges = true;
      c.linux.seccomp = dockerDefault(c.process.capabilities.bounding);
    },
    shows: { Seccomp: '2', ...refusedByDefault, getpid: 'ok', clone3: ENOSYS },
  },
  {
    name: 'Docker\'s default profile for a container with CAP_SYS_ADMIN and CAP_SYS_PTRACE',
    must: 'namespaces, any clone, clone3 and kcmp allowed; keyrings still refused',
    change: (c) => {
      const caps = [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
      c.linux.seccomp = dockerDefault(caps);
    },
    shows: { Seccomp: '2', 'clone-newuser': 'ok', 'unshare-user': 'ok', 'unshare-mount': 'ok', clone3: 'ok', kcmp: 'ok', add_key: EPERM },
  },
  {
    name: 'a custom profile: allow by default, mkdir refused with EDQUOT, kcmp kills the process',
    must: 'mkdir fails with the errno the profile names, kcmp is killed by SIGSYS, the rest works, nothing newer gets ENOSYS',
    change: (c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 },
          { names: ['kcmp'], action: 'SCMP_ACT_KILL_PROCESS' },
          { names: ['no_such_syscall'], action: 'SCMP_ACT_ERRNO' },
        ],
      };
    },
    shows: { Seccomp: '2', mkdir: 'Disk quota exceeded', kcmp: 'killed by signal 31', 'unshare-user': 'ok', 'nr-452': 'Bad address' },
  },
  {
    name: 'argument conditions: two arguments together, two alternatives on one, masked',
    must: 'a rule holds only when all its conditions on different arguments hold; conditions on the same argument are alternatives (runc\'s reading)',
    change: (c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [
          // AF_INET and SOCK_DGRAM whatever the flags: the probe's inet socket.
          { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0xf, valueTwo: 2, op: 'SCMP_CMP_MASKED_EQ' }] },
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 0x400000, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
          { names: ['add_key'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 4, value: 0, op: 'SCMP_CMP_LT' }] },
        ],
      };
    },
    shows: { 'socket-inet': 'Permission denied', 'personality-exec': 'Invalid argument', 'personality-query': 'Invalid argument', add_key: 'ok' },
  },
];

describe('berth-runtime applies linux.seccomp as runc does', { skip: skipReason() }, () => {
  let dir: string;
  let rts: Runtime[];
  let rootfs: string;
  let base: Config;
  let probeProblem: string | undefined;
  const ids = new Set<string>();

  before(async () => {
    dir = makeTempDir();
    rts = runtimes(dir);
    rootfs = makeBusyboxRootfs(dir);
    probeProblem = buildSyscallProbe(join(rootfs, 'probe'));
    const berth = rts.find((r) => r.name === 'berth-runtime')!;
    const made = await runRuntime(berth, ['spec', '--bundle', dir]);
    assert.equal(made.code, 0, made.stderr);
    base = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
    rmSync(join(dir, 'config.json'));
    base.root = { path: rootfs, readonly: false };
    base.process.terminal = false;
  });

  after(async () => {
    if (!dir) return;
    await deleteAll(rts, ids);
    rmSync(dir, { recursive: true, force: true });
  });

  const outcomes = (stdout: string) => {
    const o = probeOutcomes(stdout);
    // /proc/self/status prints "Seccomp:\t2".
    for (const m of stdout.matchAll(/^(Seccomp(?:_filters)?):\s+(\d+)$/gm)) o[m[1]!] = m[2]!;
    return o;
  };

  for (const row of rows) {
    it(`${row.name}: ${row.must}`, async (t) => {
      if (probeProblem) return t.skip(probeProblem);
      const config = structuredClone(base);
      config.process.args = ['sh', '-c', PROBE];
      row.change(config);
      const bundle = makeBundle(dir, row.name.replace(/\W+/g, '-').slice(0, 40), config);
      const got = new Map<string, { code: number; outcomes: Record<string, string> }>();
      for (const rt of rts) {
        const id = uniqueId('seccomp');
        ids.add(id);
        const r = await runRuntime(rt, ['run', '--bundle', bundle, id]);
        assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
        got.set(rt.name, { code: r.code, outcomes: outcomes(r.stdout) });
        assert.deepEqual(leftoverCgroups(id), []);
      }
      const runc = got.get('runc')!;
      const berth = got.get('berth-runtime')!;
      for (const [check, want] of Object.entries(row.shows)) assert.equal(runc.outcomes[check], want, `runc, ${check}`);
      assert.deepEqual(berth, runc);
    });
  }

  it('an exec runs under its container\'s filter, also with the config changed after create', async (t) => {
    if (probeProblem) return t.skip(probeProblem);
    const config = structuredClone(base);
    config.process.args = ['sleep', '60'];
    config.linux.seccomp = dockerDefault(config.process.capabilities.bounding);
    const bundle = makeBundle(dir, 'exec', config);
    const got = new Map<string, unknown>();
    for (const rt of rts) {
      const id = uniqueId('seccomp-exec');
      ids.add(id);
      const r = await runRuntime(rt, ['run', '--detach', '--bundle', bundle, id]);
      assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
      // What exec applies is what the container was created with, not the bundle's config of now.
      writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...config, linux: { ...config.linux, seccomp: undefined } }));
      const e = await runRuntime(rt, ['exec', id, 'sh', '-c', PROBE]);
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
      got.set(rt.name, { code: e.code, outcomes: outcomes(e.stdout) });
      await runRuntime(rt, ['delete', '--force', id]);
    }
    const runc = got.get('runc') as { outcomes: Record<string, string> };
    assert.equal(runc.outcomes.Seccomp, '2');
    assert.equal(runc.outcomes['unshare-user'], EPERM);
    assert.deepEqual(got.get('berth-runtime'), runc);
  });
});
