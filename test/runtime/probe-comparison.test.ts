/**
 * The same bundles under `runc run` and `berth-runtime run`, with a probe inside that prints what
 * the container sees. Each row states what both runtimes must show and asserts that berth-runtime
 * shows what runc shows. A row marked `known` is a difference that is understood and not fixed
 * here; it is reported as a todo, not hidden.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  defaultConfig, deleteAll, leftoverCgroups, makeBundle, makeBusyboxRootfs, makeTempDir, probeSections, type Runtime, runRuntime,
  runtimes, skipReason, uniqueId,
} from './runtime-kit.js';

const PROBE = `#!/bin/sh
echo "== pid1"; tr '\\0' ' ' < /proc/1/cmdline; echo; echo "$$"
echo "== hostname"; hostname
echo "== mounts"; cat /proc/self/mounts
echo "== env"; env | sort
echo "== cwd"; pwd
echo "== id"; id
echo "== status"; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status
echo "== limits"; ulimit -Sn; ulimit -Hn
echo "== dev"; ls -lna /dev
echo "== cgroup"; cat /proc/self/cgroup
echo "== umask"; umask
exit 3
`;

interface ProbeRun {
  id: string;
  code: number;
  sections: Map<string, string[]>;
  stderr: string;
}

interface Row {
  name: string;
  /** What both runtimes must show. */
  must: string;
  view(p: ProbeRun): unknown;
  /** Why berth-runtime differs here, when it is known and left as it is. */
  known?: string;
}

const section = (p: ProbeRun, name: string) => p.sections.get(name) ?? [];

/** `ls -lna` without link counts, sizes and dates: type and mode, owner, device numbers, name, link target. */
function devEntries(lines: string[]): string[] {
  return lines
    .filter((l) => !l.startsWith('total'))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const isDev = /^[cb]/.test(f[0]!);
      const nameAt = isDev ? 9 : 8;
      return [f[0], f[2], f[3], ...(isDev ? [`${f[4]}${f[5]}`] : []), ...f.slice(nameAt)].join(' ');
    })
    .sort();
}

const rows: Row[] = [
  { name: 'exit status', must: "the probe's `exit 3` is the runtime's exit status", view: (p) => p.code },
  { name: 'pid 1', must: 'the probe is pid 1: /proc/1/cmdline is "sh /probe.sh" and $$ is 1', view: (p) => section(p, 'pid1') },
  { name: 'hostname', must: "the config's hostname (the host's without a UTS namespace)", view: (p) => section(p, 'hostname') },
  {
    name: 'mount points',
    must: 'the same mount points with the same filesystem types (devices and sizes aside)',
    view: (p) => section(p, 'mounts').map((l) => l.split(' ').slice(1, 3).join(' ')).sort(),
  },
  {
    name: 'mount flags',
    must: 'the same ro/rw, nosuid, nodev and noexec on every mount point',
    view: (p) =>
      section(p, 'mounts')
        .map((l) => {
          const f = l.split(' ');
          const opts = (f[3] ?? '').split(',').filter((o) => ['ro', 'rw', 'nosuid', 'nodev', 'noexec'].includes(o));
          return `${f[1]} ${opts.join(',')}`;
        })
        .sort(),
  },
  { name: 'environment', must: "the config's env, duplicates resolved, HOME from passwd when unset", view: (p) => section(p, 'env') },
  { name: 'cwd', must: "the config's cwd, made when missing", view: (p) => section(p, 'cwd') },
  { name: 'user', must: "the same uid, gid and groups: the config's additionalGids, not the user's /etc/group memberships", view: (p) => section(p, 'id') },
  {
    name: 'capabilities',
    must: 'the same capability sets (ambient only where permitted and inheritable), no_new_privs and seccomp mode',
    view: (p) => section(p, 'status'),
  },
  { name: 'rlimits', must: "RLIMIT_NOFILE soft and hard from the config's rlimits", view: (p) => section(p, 'limits') },
  {
    name: '/dev',
    must: 'the same /dev entries: names, types, modes, owners, device numbers and link targets',
    view: (p) => devEntries(section(p, 'dev')),
  },
  {
    name: 'cgroups',
    must: 'the container in its own cgroup of every hierarchy (the id shown as <id>)',
    view: (p) => section(p, 'cgroup').map((l) => l.split(p.id).join('<id>')),
  },
  { name: 'umask', must: "the config's umask (0022 by default)", view: (p) => section(p, 'umask') },
];

type Config = Record<string, any>;

/** Bundles built from `berth-runtime spec`'s default config (runc's), each changed one way. */
const variants: { name: string; change(c: Config): void; ownRootfs?: boolean }[] = [
  {
    name: 'runc spec defaults',
    change: () => {},
  },
  {
    name: 'non-root user, missing cwd, env and capability changes, relative root.path',
    ownRootfs: true,
    change: (c) => {
      c.root.readonly = false;
      c.hostname = 'probe-host';
      c.process.user = { uid: 65534, gid: 65534, additionalGids: [1], umask: 0o027 };
      c.process.cwd = '/srv/work';
      c.process.env = ['PATH=/usr/bin:/bin', 'FOO=1', 'BAR=x', 'FOO=2'];
      const caps = ['CAP_CHOWN', 'CAP_KILL'];
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
      c.process.noNewPrivileges = false;
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 2048 }];
    },
  },
  {
    name: 'host network and UTS namespaces (sysfs from the host)',
    change: (c) => {
      delete c.hostname;
      c.linux.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'mount' }];
    },
  },
];

describe('berth-runtime run shows a probe what runc run shows it', { skip: skipReason() }, () => {
  let dir: string;
  let rts: Runtime[];
  let sharedRootfs: string;
  let baseConfig: Config;
  const ids = new Set<string>();

  before(async () => {
    dir = makeTempDir();
    rts = runtimes(dir);
    sharedRootfs = makeBusyboxRootfs(dir);
    writeFileSync(join(sharedRootfs, 'probe.sh'), PROBE);
    chmodSync(join(sharedRootfs, 'probe.sh'), 0o755);
    baseConfig = await defaultConfig(rts.find((r) => r.name === 'berth-runtime')!, dir);
  });

  after(async () => {
    if (!dir) return;
    await deleteAll(rts, ids);
    rmSync(dir, { recursive: true, force: true });
  });

  it('spec writes the config runc spec writes (ociVersion aside)', async () => {
    const runcDir = join(dir, 'runc-spec');
    const berthDir = join(dir, 'berth-spec');
    const read = (d: string) => {
      const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')) as Config;
      delete c.ociVersion;
      return c;
    };
    for (const [rt, d] of [[rts[0]!, runcDir], [rts[1]!, berthDir]] as const) {
      makeBundle(d, '.', {});
      rmSync(join(d, 'config.json'));
      const r = await runRuntime(rt, ['spec', '-b', d]);
      assert.equal(r.code, 0, r.stderr);
      // Written with tabs, as runc writes it.
      assert.match(readFileSync(join(d, 'config.json'), 'utf8'), /^\{\n\t"ociVersion"/);
      const again = await runRuntime(rt, ['spec', '-b', d]);
      assert.equal(again.code, 1, `${rt.name} spec must refuse to overwrite config.json`);
    }
    assert.deepEqual(read(berthDir), read(runcDir));
  });

  for (const variant of variants) {
    describe(variant.name, () => {
      const runs = new Map<string, ProbeRun>();

      before(async () => {
        const config = structuredClone(baseConfig);
        config.process.terminal = false;
        config.process.args = ['sh', '/probe.sh'];
        variant.change(config);
        const name = variant.name.split(/[^a-z]+/i).slice(0, 2).join('-').toLowerCase();
        let bundle: string;
        if (variant.ownRootfs) {
          bundle = makeBundle(dir, name, config);
          makeBusyboxRootfs(bundle);
          writeFileSync(join(bundle, 'rootfs/probe.sh'), PROBE, { mode: 0o755 });
          config.root.path = 'rootfs';
          writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
        } else {
          config.root.path = sharedRootfs;
          bundle = makeBundle(dir, name, config);
        }
        // runc first: anything the runtime makes in the rootfs (a missing cwd) is then made by runc.
        for (const rt of rts) {
          const id = uniqueId(name);
          ids.add(id);
          const r = await runRuntime(rt, ['run', '--bundle', bundle, id]);
          runs.set(rt.name, { id, code: r.code, sections: probeSections(r.stdout), stderr: r.stderr });
        }
      });

      it('both ran the probe to its end', () => {
        for (const [name, run] of runs) assert.ok(run.sections.has('umask'), `${name} did not run the probe: ${run.stderr}`);
      });

      for (const row of rows) {
        it(`${row.name}: ${row.must}`, { todo: row.known }, () => {
          const runc = runs.get('runc')!;
          const berth = runs.get('berth-runtime')!;
          assert.deepEqual(row.view(berth), row.view(runc));
        });
      }

      it('both removed the container after the run', async () => {
        for (const rt of rts) {
          const run = runs.get(rt.name)!;
          const state = await runRuntime(rt, ['state', run.id]);
          assert.equal(state.code, 1, `${rt.name} still has ${run.id}`);
          assert.deepEqual(leftoverCgroups(run.id), [], `${rt.name} left cgroups of ${run.id}`);
        }
      });
    });
  }

  describe('a program that cannot run', () => {
    const cases: { name: string; args: string[]; must: string }[] = [
      { name: 'not in PATH', args: ['nope-not-here'], must: 'executable file not found in $PATH' },
      { name: 'missing absolute path', args: ['/nope/not-here'], must: 'stat /nope/not-here: no such file or directory' },
      { name: 'not executable', args: ['/etc/passwd'], must: 'permission denied' },
    ];
    for (const c of cases) {
      it(`${c.name}: both fail with the same status and say "${c.must}"`, async () => {
        const config = structuredClone(baseConfig);
        config.process.terminal = false;
        config.process.args = c.args;
        config.root.path = sharedRootfs;
        const bundle = makeBundle(dir, `fail-${c.name.replace(/\W+/g, '-')}`, config);
        const got = new Map<string, { code: number; msg: string }>();
        for (const rt of rts) {
          const id = uniqueId('fail');
          ids.add(id);
          const r = await runRuntime(rt, ['run', '--bundle', bundle, id]);
          const msg = /msg="(.*)"\s*$/m.exec(r.stderr)?.[1] ?? r.stderr;
          got.set(rt.name, { code: r.code, msg: msg.replace(/^(runc|berth-runtime) run failed: /, '') });
          assert.notEqual(r.code, 0, `${rt.name} ran ${c.args[0]}`);
          assert.ok(msg.includes(c.must), `${rt.name} said: ${r.stderr}`);
          assert.deepEqual(leftoverCgroups(id), []);
        }
        assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
      });
    }
  });
});
