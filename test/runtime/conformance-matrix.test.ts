/**
 * The OCI conformance matrix: each row is a change to runc's default config and a probe command.
 * The row runs under `runc run` and `berth-runtime run` on the same bundle; both must print the
 * same, and that output must show what the row says (`check`), so that two runtimes agreeing on a
 * wrong answer still fails. Rows that need more than one run (hooks, exec, events) follow the matrix.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  defaultConfig, deleteAll, leftoverCgroups, makeBundle, makeBusyboxRootfs, makeTempDir, type Runtime, runRuntime, runtimes, skipReason,
  uniqueId, waitFor,
} from './runtime-kit.js';

type Config = Record<string, any>;

/** What rows may use: a process holding namespaces to join, and a host directory with a submount. */
interface Fixtures {
  holderPid: number;
  hostDir: string;
  /** A busybox root on the shared mount of hostDir: propagation shows there. */
  sharedRootfs: string;
}

interface Row {
  name: string;
  /** What both runtimes must show. */
  must: string;
  change(c: Config, f: Fixtures): void;
  /** A shell script run as the container's process; its output (stderr joined to stdout) and status are compared. */
  probe: string;
  /** Asserts that the output shows what `must` says. */
  check(out: string, f: Fixtures): void;
  /** Makes run-specific details (mount ids, peer group numbers) comparable. */
  normalize?(out: string): string;
  /**
   * Run the runtime in a mount namespace of its own, with this (fixture) directory made shared
   * there again: a shared root propagates the container's unmounts to its peers, and on the test
   * machine's own mounts that would unmount /run/netns/* and the like.
   */
  sharedIn?(f: Fixtures): string;
}

/** mountinfo lines as "mountpoint options propagation fstype superoptions", without ids and peer group numbers. */
const MOUNTINFO_OF = (points: string[]) =>
  `for m in ${points.join(' ')}; do awk -v m="$m" '$5 == m { tags = ""; for (i = 7; $i != "-"; i++) { t = $i; sub(/:.*/, "", t); tags = tags t "," } print $5, $6, (tags == "" ? "private" : tags), $(i+1), $(i+3) }' /proc/self/mountinfo; done`;

const rows: Row[] = [
  {
    name: 'namespaces joined by path',
    must: 'the uts, ipc and net namespaces of the holder process: its hostname and namespace inodes',
    change: (c, f) => {
      delete c.hostname;
      c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) =>
        ['uts', 'ipc', 'network'].includes(n.type) ? { type: n.type, path: `/proc/${f.holderPid}/ns/${n.type === 'network' ? 'net' : n.type}` } : n);
    },
    probe: 'hostname; for n in uts ipc net; do readlink /proc/self/ns/$n; done',
    check: (out, f) => {
      const ns = (t: string) => readlinkSync(`/proc/${f.holderPid}/ns/${t}`);
      assert.equal(out, `holder-ns\n${ns('uts')}\n${ns('ipc')}\n${ns('net')}\n`);
    },
  },
  {
    name: 'no_new_privileges',
    must: 'NoNewPrivs 1 when the config asks',
    change: (c) => (c.process.noNewPrivileges = true),
    probe: 'grep NoNewPrivs /proc/self/status',
    check: (out) => assert.equal(out, 'NoNewPrivs:\t1\n'),
  },
  {
    name: 'masked and read-only paths',
    must: 'a masked file reads empty, a masked directory is an empty read-only tmpfs, a missing one is skipped, read-only paths refuse writes',
    change: (c) => {
      c.linux.maskedPaths = ['/proc/timer_list', '/sys/firmware', '/proc/no-such-path'];
      c.linux.readonlyPaths = ['/proc/sys', '/proc/irq', '/proc/no-such-path'];
    },
    probe: `wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l; echo x > /proc/sys/kernel/domainname; echo 1 > /proc/irq/default_smp_affinity
${MOUNTINFO_OF(['/proc/timer_list', '/sys/firmware', '/proc/sys', '/proc/irq'])}`,
    check: (out) => {
      const lines = out.split('\n');
      assert.equal(lines[0], '0');
      assert.equal(lines[1], '0');
      assert.match(lines[2]!, /can't create \/proc\/sys\/kernel\/domainname: Read-only file system/);
      assert.match(lines[3]!, /can't create \/proc\/irq\/default_smp_affinity: Read-only file system/);
      assert.match(out, /^\/sys\/firmware ro,\S* private tmpfs /m);
      assert.match(out, /^\/proc\/sys ro,\S* private proc /m);
    },
  },
  {
    name: 'mount options and propagation',
    must: 'ro, nosuid, nodev, noexec, tmpfs mode and size; bind vs rbind (a submount only through rbind); rprivate, rslave, rshared',
    change: (c, f) => {
      c.mounts.push(
        { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'mode=750', 'size=4m'] },
        { destination: '/t-ro', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid'] },
        { destination: '/b-ro', type: 'bind', source: f.hostDir, options: ['rbind', 'ro'] },
        { destination: '/b-nr', type: 'bind', source: f.hostDir, options: ['bind'] },
        { destination: '/b-slave', type: 'bind', source: f.hostDir, options: ['rbind', 'rslave'] },
        { destination: '/b-shared', type: 'bind', source: f.hostDir, options: ['rbind', 'rshared'] },
        { destination: '/b-private', type: 'bind', source: f.hostDir, options: ['rbind', 'rprivate'] },
      );
    },
    probe: `${MOUNTINFO_OF(['/t', '/t-ro', '/b-ro', '/b-ro/sub', '/b-nr', '/b-slave', '/b-shared', '/b-private'])}
stat -c '%a' /t; cat /b-ro/sub/marker; ls /b-nr/sub | wc -l; touch /b-ro/x 2>&1; touch /t-ro/x 2>&1
cp /bin/busybox /t/bb && /t/bb true 2>&1 | sed 's/^.*: //'`,
    check: (out) => {
      assert.match(out, /^\/t rw,nosuid,nodev,noexec,\S* private tmpfs rw,size=4096k,mode=750/m);
      assert.match(out, /^\/t-ro ro,nosuid,\S* private tmpfs /m);
      assert.match(out, /^\/b-ro ro,\S* /m);
      // As runc: ro applies to the top of an rbind, not to its submounts; the container's mounts are
      // slaves of the host's by default.
      assert.match(out, /^\/b-ro\/sub rw,\S* master, /m);
      assert.match(out, /^\/b-slave rw,\S* master, /m);
      assert.match(out, /^\/b-shared rw,\S* shared,master, /m);
      assert.match(out, /^\/b-private rw,\S* private /m);
      assert.doesNotMatch(out, /^\/b-nr\/sub /m);
      assert.match(out, /^750\nsubmount\n0\n/m);
      assert.match(out, /touch: \/b-ro\/x: Read-only file system/);
      assert.match(out, /touch: \/t-ro\/x: Read-only file system/);
      assert.match(out, /Permission denied\n$/);
    },
  },
  ...(['slave', 'shared'] as const).map((prop): Row => ({
    name: `rootfs on a shared host mount, rootfsPropagation ${prop}`,
    must: 'the root is read-only and private (the shared mount it lives on is made private first): nothing mounted in the container appears on the host',
    change: (c, f) => {
      c.root.path = f.sharedRootfs;
      c.root.readonly = true;
      c.linux.rootfsPropagation = prop;
    },
    probe: `${MOUNTINFO_OF(['/'])}; touch /x`,
    sharedIn: (f) => f.hostDir,
    check: (out, f) => {
      assert.match(out, /^\/ ro,\S* private tmpfs \S+\ntouch: \/x: Read-only file system\n$/);
      // What the runtime's namespace saw after the run (see sharedIn).
      const leaked = readFileSync(join(f.hostDir, '..', 'leaked-mounts'), 'utf8').split('\n').filter(Boolean);
      assert.deepEqual(leaked, [], 'mounts of the container leaked to the runtime\'s namespace');
    },
  })),
  {
    name: 'sysctls',
    must: "the config's values in the container's namespaces",
    change: (c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'net.ipv4.ping_group_range': '0 0' }),
    probe: 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ping_group_range',
    check: (out) => assert.equal(out, '1\n1\n0\t0\n'),
  },
  {
    name: 'devices and the device cgroup',
    must: "nodes with the config's type, numbers, mode and owner (parents made); an allowed one opens, one the cgroup denies does not",
    change: (c) => {
      c.linux.devices = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 0, gid: 10 },
        { path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644 },
        { path: '/dev/sub/null2', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 65534, gid: 65534 },
      ];
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' });
    },
    probe: `ls -ln /dev/fuse /dev/kmsg /dev/sub/null2 | awk '{ print $1, $3, $4, $5, $6, $NF }'
head -c 0 < /dev/fuse; echo "fuse $?"; head -c 1 < /dev/kmsg; echo "kmsg $?"; echo x > /dev/sub/null2; echo "null2 $?"`,
    check: (out) => {
      assert.match(out, /^crw-r----- 0 10 10, 229 \/dev\/fuse$/m);
      assert.match(out, /^crw-r--r-- 0 0 1, 11 \/dev\/kmsg$/m);
      assert.match(out, /^crw-rw-rw- 65534 65534 1, 3 \/dev\/sub\/null2$/m);
      assert.match(out, /^fuse 0$/m);
      assert.match(out, /can't open \/dev\/kmsg: Operation not permitted\nkmsg 1$/m);
      assert.match(out, /^null2 0$/m);
    },
  },
  {
    name: 'cgroup limits',
    must: "memory, reservation, swap, CPU shares, quota and period, cpuset and pids limits in the container's cgroup files",
    change: (c) => {
      c.linux.resources.memory = { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 };
      c.linux.resources.cpu = { shares: 512, quota: 50000, period: 100000, cpus: '0' };
      c.linux.resources.pids = { limit: 20 };
    },
    probe: `cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes memory/memory.memsw.limit_in_bytes 2>&1
cat cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus pids/pids.max`,
    check: (out) => {
      const memsw = spawnSync('sh', ['-c', 'test -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes']).status === 0;
      assert.match(out, new RegExp(`^${64 << 20}\\n${32 << 20}\\n${memsw ? 128 << 20 : '.*No such file'}\\n512\\n50000\\n100000\\n0\\n20\\n$`));
    },
  },
];

/**
 * The runtime behind a wrapper that runs it in a private mount namespace where `dir` is shared
 * (in a peer group of its own), and writes the mounts under `dir` left after it to
 * `<dir>/../leaked-mounts`.
 */
function isolated(rt: Runtime, dir: string): Runtime {
  const wrapper = join(dir, '..', `isolated-${rt.name}`);
  writeFileSync(wrapper, `#!/bin/sh
exec unshare --mount --propagation private sh -c 'mount --make-shared "$0" && "$@"; s=$?; grep " $0/" /proc/self/mountinfo | grep -v " $0/sub " > "$0/../leaked-mounts"; exit $s' "${dir}" "${rt.binary}" "$@"
`, { mode: 0o755 });
  return { ...rt, binary: wrapper };
}

describe('conformance matrix: runc and berth-runtime show the same, and what the row says', { skip: skipReason() }, () => {
  let dir: string;
  let rts: Runtime[];
  let rootfs: string;
  let baseConfig: Config;
  let holder: ChildProcess | undefined;
  const fixtures = {} as Fixtures;
  const ids = new Set<string>();

  before(async () => {
    dir = makeTempDir();
    rts = runtimes(dir);
    rootfs = makeBusyboxRootfs(dir);
    baseConfig = await defaultConfig(rts[1]!, dir);
    baseConfig.process.terminal = false;
    baseConfig.root.path = rootfs;

    holder = spawn('unshare', ['--uts', '--ipc', '--net', 'sh', '-c', 'hostname holder-ns && exec sleep 600'], { stdio: 'ignore' });
    fixtures.holderPid = holder.pid!;
    const selfUts = readlinkSync('/proc/self/ns/uts');
    assert.ok(await waitFor(() => {
      try {
        return readlinkSync(`/proc/${fixtures.holderPid}/ns/uts`) !== selfUts && readFileSync(`/proc/${fixtures.holderPid}/cmdline`, 'utf8').startsWith('sleep');
      } catch {
        return false;
      }
    }), 'the namespace holder did not start');

    // A shared mount with a submount: what bind, rbind and the propagation modes differ on.
    fixtures.hostDir = join(dir, 'host-dir');
    mkdirSync(fixtures.hostDir);
    const sh = (cmd: string) => assert.equal(spawnSync('sh', ['-c', cmd], { stdio: 'inherit' }).status, 0, cmd);
    sh(`mount -t tmpfs host-dir ${fixtures.hostDir} && mount --make-shared ${fixtures.hostDir} && mkdir ${fixtures.hostDir}/sub`);
    sh(`mount -t tmpfs sub ${fixtures.hostDir}/sub && echo submount > ${fixtures.hostDir}/sub/marker`);
    fixtures.sharedRootfs = makeBusyboxRootfs(fixtures.hostDir);
  });

  after(async () => {
    if (!dir) return;
    await deleteAll(rts, ids);
    if (holder?.pid) process.kill(holder.pid, 'SIGKILL');
    if (fixtures.hostDir) spawnSync('umount', ['-R', fixtures.hostDir]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const row of rows) {
    it(`${row.name}: ${row.must}`, async () => {
      const config = structuredClone(baseConfig);
      config.process.args = ['sh', '-c', `exec 2>&1\n${row.probe}`];
      row.change(config, fixtures);
      const bundle = makeBundle(dir, row.name.replace(/\W+/g, '-'), config);
      const got = new Map<string, { code: number; out: string }>();
      for (const rt of rts) {
        const id = uniqueId('m');
        ids.add(id);
        const r = await runRuntime(row.sharedIn ? isolated(rt, row.sharedIn(fixtures)) : rt, ['run', '--bundle', bundle, id]);
        assert.equal(r.stderr, '', `${rt.name} failed to run the probe (status ${r.code})`);
        got.set(rt.name, { code: r.code, out: row.normalize ? row.normalize(r.stdout) : r.stdout });
        assert.deepEqual(leftoverCgroups(id), [], `${rt.name} left cgroups of ${id}`);
      }
      const runc = got.get('runc')!;
      row.check(runc.out, fixtures);
      assert.deepEqual(got.get('berth-runtime'), runc);
    });
  }

  describe('hooks', () => {
    /** A hook that logs its stage, whether it runs in the host's mount namespace, and the state it read. */
    const HOOK = '#!/bin/sh\nstate=$(cat)\nif [ "$(readlink /proc/self/ns/mnt)" = "$3" ]; then ns=host; else ns=container; fi\necho "$1 $ns $state" >> "$2"\n';
    let hookDir: string;
    const hostMnt = readlinkSync('/proc/self/ns/mnt');

    before(() => {
      hookDir = join(dir, 'hooks');
      mkdirSync(hookDir);
      writeFileSync(join(hookDir, 'hook.sh'), HOOK, { mode: 0o755 });
    });

    interface Seen { stage: string; ns: string; status: string; pid: string; id: string; bundle: string; annotations: unknown }

    /** The log, each state reduced to what both runtimes must agree on (the pid as host, 1 or none). */
    const readLog = (log: string, hostPid: number, id: string, bundle: string): Seen[] =>
      readFileSync(log, 'utf8').trim().split('\n').map((line) => {
        const [stage, ns, ...rest] = line.split(' ');
        const st = JSON.parse(rest.join(' ')) as { status: string; pid?: number; id: string; bundle: string; annotations?: unknown };
        return {
          stage: stage!, ns: ns!, status: st.status, pid: st.pid === undefined ? 'none' : st.pid === hostPid ? 'host' : String(st.pid),
          id: st.id === id ? 'its id' : st.id, bundle: st.bundle === bundle ? 'its bundle' : st.bundle, annotations: st.annotations,
        };
      });

    it('every stage runs where and when the spec says, with the state on stdin: prestart and createRuntime in the runtime\'s namespaces with the host pid, createContainer and startContainer in the container\'s with pid 1, poststart with the host pid, poststop stopped without one', async () => {
      const got = new Map<string, Seen[]>();
      for (const rt of rts) {
        const log = join(hookDir, `log-${rt.name}`);
        const inLog = `/hooks/log-${rt.name}`;
        const hook = (stage: string, inside = false) => ({ path: inside ? '/hooks/hook.sh' : join(hookDir, 'hook.sh'), args: ['hook.sh', stage, inside ? inLog : log, hostMnt] });
        const config = structuredClone(baseConfig);
        config.process.args = ['sleep', '600'];
        config.annotations = { 'org.example.key': 'value' };
        config.mounts.push({ destination: '/hooks', type: 'bind', source: hookDir, options: ['rbind', 'rw'] });
        config.hooks = {
          prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], createContainer: [hook('createContainer')],
          startContainer: [hook('startContainer', true)], poststart: [hook('poststart')], poststop: [hook('poststop')],
        };
        const bundle = makeBundle(dir, `hooks-${rt.name}`, config);
        const id = uniqueId('hk');
        ids.add(id);
        const created = await runRuntime(rt, ['create', '--bundle', bundle, id]);
        assert.equal(created.code, 0, `${rt.name}: ${created.stderr}`);
        const pid = (JSON.parse((await runRuntime(rt, ['state', id])).stdout) as { pid: number }).pid;
        assert.equal((await runRuntime(rt, ['start', id])).code, 0);
        assert.ok(await waitFor(() => readFileSync(log, 'utf8').includes('startContainer')), `${rt.name}: no startContainer hook ran`);
        assert.equal((await runRuntime(rt, ['delete', '--force', id])).code, 0);
        got.set(rt.name, readLog(log, pid, id, bundle));
      }
      const at = (stage: string, ns: string, status: string, pid: string): Seen => ({ stage, ns, status, pid, id: 'its id', bundle: 'its bundle', annotations: { 'org.example.key': 'value' } });
      const expected = [
        at('prestart', 'host', 'creating', 'host'), at('createRuntime', 'host', 'creating', 'host'),
        at('createContainer', 'container', 'creating', '1'), at('startContainer', 'container', 'created', '1'),
        at('poststart', 'host', 'running', 'host'), at('poststop', 'host', 'stopped', 'none'),
      ];
      // berth-runtime follows the spec: poststart after the program started, during `start`.
      assert.deepEqual(got.get('berth-runtime'), expected);
      // runc 1.1 runs poststart during `create`, before startContainer, with status "created" (moved to
      // `start` in runc 1.2, opencontainers/runc#5186; crun always did so): the same hooks otherwise.
      const runc = got.get('runc')!;
      const byStage = (l: Seen[]) => Object.fromEntries(l.map((x) => [x.stage, x.stage === 'poststart' ? { ...x, status: '-' } : x]));
      assert.deepEqual(byStage(runc), byStage(expected));
    });

    it('a failing hook fails create with runc\'s message and leaves nothing behind: an exit status, a timeout, a missing program', async () => {
      const cases: [string, Config['hooks']][] = [
        ['exit status', { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }],
        ['timeout', { prestart: [{ path: '/bin/sleep', args: ['sleep', '10'], timeout: 1 }] }],
        ['missing program', { createContainer: [{ path: '/no/such/hook' }] }],
      ];
      for (const [what, hooks] of cases) {
        const config = structuredClone(baseConfig);
        config.process.args = ['true'];
        config.hooks = hooks;
        const bundle = makeBundle(dir, `hook-fails-${what.replace(/ /g, '-')}`, config);
        const said = new Map<string, string>();
        for (const rt of rts) {
          const id = uniqueId('hf');
          ids.add(id);
          const r = await runRuntime(rt, ['create', '--bundle', bundle, id]);
          assert.equal(r.code, 1, `${rt.name} (${what}): ${r.stderr}`);
          said.set(rt.name, (/msg="(?:runc|berth-runtime) create failed: (.*)"/.exec(r.stderr)?.[1] ?? r.stderr));
          assert.equal(existsSync(join(rt.root, id)), false, `${rt.name} left its state`);
          assert.deepEqual(leftoverCgroups(id), [], `${rt.name} left cgroups`);
        }
        assert.match(said.get('runc')!, /error running hook #0: /);
        assert.equal(said.get('berth-runtime'), said.get('runc'), what);
      }
    });
  });

  describe('with a running container', () => {
    const running = new Map<string, string>();

    before(async () => {
      const config = structuredClone(baseConfig);
      config.process.args = ['sleep', '600'];
      config.process.noNewPrivileges = true;
      config.linux.resources.memory = { limit: 48 << 20 };
      config.linux.resources.pids = { limit: 30 };
      const bundle = makeBundle(dir, 'running', config);
      for (const rt of rts) {
        const id = uniqueId('r');
        ids.add(id);
        const r = await runRuntime(rt, ['run', '--detach', '--bundle', bundle, id]);
        assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
        running.set(rt.name, id);
      }
    });

    it('exec joins every namespace and the cgroup of the init, with its confinement', async () => {
      const probe = 'for n in cgroup ipc mnt net pid uts; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] && echo "$n shared"; done; ' +
        'grep -E "^(Cap(Eff|Bnd)|NoNewPrivs):" /proc/self/status; sed "s,/.*$,,;s/^[0-9]*://" /proc/self/cgroup | sort; ' +
        '[ "$(sed s/^[0-9]*:// /proc/self/cgroup | sort)" = "$(sed s/^[0-9]*:// /proc/1/cgroup | sort)" ] && echo "same cgroups"';
      const outs = new Map<string, string>();
      for (const rt of rts) {
        const r = await runRuntime(rt, ['exec', running.get(rt.name)!, 'sh', '-c', probe]);
        assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
        outs.set(rt.name, r.stdout);
      }
      const runc = outs.get('runc')!;
      assert.match(runc, /^cgroup shared\nipc shared\nmnt shared\nnet shared\npid shared\nuts shared\n/);
      assert.match(runc, /NoNewPrivs:\t1/);
      assert.match(runc, /same cgroups\n$/);
      assert.equal(outs.get('berth-runtime'), runc);
    });

    it('events --stats: the same document, limits and counts where they are fixed', async () => {
      const docs = new Map<string, Record<string, any>>();
      for (const rt of rts) {
        const r = await runRuntime(rt, ['events', '--stats', running.get(rt.name)!]);
        assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
        // Each is one JSON line; a limit of 2^63 rounded to a page must come through to the digit.
        assert.match(r.stdout, /^\{"type":"stats","id":"[^"]+","data":\{.*\}\}\n$/);
        docs.set(rt.name, JSON.parse(r.stdout) as Record<string, any>);
        assert.ok(!/"limit":9223372036854772000/.test(r.stdout), `${rt.name} rounded a limit`);
      }
      const fixed = (d: Record<string, any>) => ({
        type: d.type,
        sections: Object.keys(d.data).sort(),
        memoryLimit: d.data.memory.usage.limit,
        memoryEntries: Object.keys(d.data.memory).filter((k) => k !== 'cache').sort(),
        pids: d.data.pids,
        cpuset: d.data.cpuset,
        cpuKeys: Object.keys(d.data.cpu.usage).sort(),
        network: d.data.network_interfaces,
      });
      const runc = fixed(docs.get('runc')!);
      assert.equal(runc.memoryLimit, 48 << 20);
      assert.deepEqual(runc.pids, { current: 1, limit: 30 });
      assert.deepEqual(fixed(docs.get('berth-runtime')!), runc);
      assert.ok(docs.get('berth-runtime')!.data.cpu.usage.total > 0);
      for (const rt of rts) {
        const gone = await runRuntime(rt, ['events', '--stats', 'no-such-container']);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /container does not exist/);
      }
    });

    it('events streams stats at the interval; berth-runtime ends the stream when the container stops', async () => {
      // runc 1.1 goes on logging "not running" once the container has stopped, until it is killed.
      const streams = rts.map((rt) => runRuntime(rt, ['events', '--interval', '200ms', running.get(rt.name)!], { timeoutMs: 3000 }));
      await new Promise((r) => setTimeout(r, 900));
      for (const rt of rts) assert.equal((await runRuntime(rt, ['kill', running.get(rt.name)!, 'KILL'])).code, 0);
      const results = await Promise.all(streams);
      rts.forEach((rt, i) => {
        const r = results[i]!;
        const lines = r.stdout.trim().split('\n');
        assert.ok(lines.length >= 3, `${rt.name} printed ${lines.length} lines`);
        for (const l of lines) assert.equal((JSON.parse(l) as { type: string }).type, 'stats');
        if (rt.name === 'berth-runtime') assert.equal(r.code, 0, r.stderr);
      });
    });
  });
});
