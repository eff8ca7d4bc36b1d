/**
 * The OCI lifecycle in separate steps (create, state, start, kill, delete with --pid-file), exec
 * into a running container, --console-socket and list, each done under runc and berth-runtime
 * with the same bundle: berth-runtime must answer as runc does.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  defaultConfig, deleteAll, leftoverCgroups, makeBundle, makeBusyboxRootfs, makeTempDir, PYTHON, type Runtime, runRuntime, runtimes,
  skipReason, uniqueId, waitFor,
} from './runtime-kit.js';

type Config = Record<string, any>;

/** runc's default config (from `runc spec`), without a terminal, running `args`. */
function config(base: Config, rootfs: string, args: string[], change: (c: Config) => void = () => {}): Config {
  const c = structuredClone(base);
  c.root.path = rootfs;
  c.process.terminal = false;
  c.process.args = args;
  change(c);
  return c;
}

const stateOf = async (rt: Runtime, id: string) => {
  const r = await runRuntime(rt, ['state', id]);
  return { code: r.code, state: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined, stderr: r.stderr };
};

/** The logrus message of a failed runtime call, whichever way it was printed. */
const message = (stderr: string) => (/msg="(.*)"\s*$/m.exec(stderr)?.[1] ?? stderr.trim()).replace(/\\"/g, '"');

/**
 * Receives a pty master on a unix socket as runc's --console-socket protocol sends it, with
 * Python's socket.recv_fds (Node cannot take SCM_RIGHTS), then prints as JSON the message that
 * came with it, how many fds did and all that was read from the master until the slave closed.
 */
const CONSOLE_RECEIVER = `
import errno, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
msg, fds, _flags, _addr = socket.recv_fds(c, 4096, 4)
c.close()
out = b""
while fds:
    try:
        b = os.read(fds[0], 4096)
    except OSError as e:
        if e.errno == errno.EIO: break
        raise
    if not b: break
    out += b
print(json.dumps({"message": msg.decode(), "fds": len(fds), "output": out.decode(errors="replace")}), flush=True)
`;

describe('berth-runtime answers the lifecycle, exec, console and list as runc does', { skip: skipReason() }, () => {
  let dir: string;
  let rts: Runtime[];
  let rootfs: string;
  let base: Config;
  const ids = new Set<string>();
  const helpers = new Set<ChildProcess>();

  before(async () => {
    dir = makeTempDir();
    rts = runtimes(dir);
    rootfs = makeBusyboxRootfs(dir);
    base = await defaultConfig(rts[1]!, dir);
  });

  after(async () => {
    for (const h of helpers) if (h.exitCode === null && h.pid) process.kill(h.pid, 'SIGKILL');
    if (!dir) return;
    await deleteAll(rts, ids);
    rmSync(dir, { recursive: true, force: true });
  });

  it('create, state, start, kill and delete go through the same states with the same answers', async () => {
    const bundle = makeBundle(dir, 'lifecycle', config(base, rootfs, ['sleep', '60'], (c) => (c.annotations = { 'org.example.k': 'v' })));
    const seen = new Map<string, unknown[]>();
    for (const rt of rts) {
      const id = uniqueId('life');
      ids.add(id);
      const steps: unknown[] = [];
      const pidFile = join(dir, `${rt.name}.pid`);
      const create = await runRuntime(rt, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
      assert.equal(create.code, 0, `${rt.name} create: ${create.stderr}`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.match(readFileSync(pidFile, 'utf8'), /^\d+$/, 'the pid file holds the pid alone');

      const created = await stateOf(rt, id);
      assert.equal(created.state?.pid, pid, `${rt.name}: the state's pid is the pid file's`);
      // The program has not run yet: the init still waits for start.
      assert.notEqual(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\x0060\x00');
      const { ociVersion: _v, created: time, pid: _p, id: _i, ...stable } = created.state!;
      assert.ok(!Number.isNaN(Date.parse(String(time))), 'created is a time');
      steps.push(['created', Object.keys(created.state!), stable]);

      const start = await runRuntime(rt, ['start', id]);
      assert.equal(start.code, 0, `${rt.name} start: ${start.stderr}`);
      const runsSleep = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x0060\x00';
      assert.ok(await waitFor(runsSleep), `${rt.name}: the program runs after start`);
      steps.push(['running', (await stateOf(rt, id)).state?.status]);

      const again = await runRuntime(rt, ['start', id]);
      steps.push(['start again', again.code, message(again.stderr)]);
      const del = await runRuntime(rt, ['delete', id]);
      steps.push(['delete running', del.code, message(del.stderr).replace(id, '<id>')]);
      // sleep as pid 1 of its namespace has no handler: TERM is ignored, KILL is not.
      const term = await runRuntime(rt, ['kill', id]);
      steps.push(['kill', term.code, (await stateOf(rt, id)).state?.status]);
      const kill = await runRuntime(rt, ['kill', id, 'KILL']);
      assert.ok(await waitFor(async () => (await stateOf(rt, id)).state?.status === 'stopped'), `${rt.name}: KILL stops it`);
      const stopped = await stateOf(rt, id);
      steps.push(['kill KILL', kill.code, stopped.state?.status, stopped.state?.pid]);
      const killStopped = await runRuntime(rt, ['kill', id, 'KILL']);
      steps.push(['kill stopped', killStopped.code, message(killStopped.stderr)]);
      const badSignal = await runRuntime(rt, ['kill', id, 'NOPE']);
      steps.push(['unknown signal', badSignal.code, message(badSignal.stderr)]);

      const gone = await runRuntime(rt, ['delete', id]);
      steps.push(['delete stopped', gone.code]);
      const after = await stateOf(rt, id);
      steps.push(['state deleted', after.code, message(after.stderr)]);
      const forced = await runRuntime(rt, ['delete', '--force', id]);
      steps.push(['delete --force missing', forced.code]);
      assert.deepEqual(leftoverCgroups(id), [], `${rt.name} left cgroups`);
      assert.equal(existsSync(join(rt.root, id)), false, `${rt.name} left its state directory`);
      seen.set(rt.name, steps);
    }
    assert.deepEqual(seen.get('berth-runtime'), seen.get('runc'));
  });

  it('delete of a created container kills it, and run --detach with delete --force ends a running one', async () => {
    const bundle = makeBundle(dir, 'delete', config(base, rootfs, ['sleep', '60']));
    const seen = new Map<string, unknown[]>();
    for (const rt of rts) {
      const steps: unknown[] = [];
      const a = uniqueId('del');
      const b = uniqueId('del');
      ids.add(a).add(b);
      const pidFile = join(dir, `${rt.name}-del.pid`);
      steps.push((await runRuntime(rt, ['create', '-b', bundle, '--pid-file', pidFile, a])).code);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      steps.push((await runRuntime(rt, ['delete', a])).code);
      steps.push(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'));
      steps.push((await runRuntime(rt, ['run', '-d', '-b', bundle, b])).code);
      steps.push((await stateOf(rt, b)).state?.status);
      steps.push((await runRuntime(rt, ['delete', '-f', b])).code);
      steps.push((await stateOf(rt, b)).code);
      assert.deepEqual([...leftoverCgroups(a), ...leftoverCgroups(b)], []);
      seen.set(rt.name, steps);
    }
    assert.deepEqual(seen.get('berth-runtime'), seen.get('runc'));
    assert.deepEqual(seen.get('runc'), [0, 0, false, 0, 'running', 0, 1]);
  });

  it('pause, exec into a paused container, resume and kill --all answer alike', async () => {
    const bundle = makeBundle(dir, 'pause', config(base, rootfs, ['sh', '-c', 'sleep 60 & sleep 61']));
    const seen = new Map<string, unknown[]>();
    for (const rt of rts) {
      const id = uniqueId('pause');
      ids.add(id);
      const steps: unknown[] = [];
      steps.push((await runRuntime(rt, ['run', '-d', '-b', bundle, id])).code);
      const resumeRunning = await runRuntime(rt, ['resume', id]);
      steps.push(resumeRunning.code, message(resumeRunning.stderr));
      steps.push((await runRuntime(rt, ['pause', id])).code, (await stateOf(rt, id)).state?.status);
      const exec = await runRuntime(rt, ['exec', id, 'true']);
      steps.push(exec.code, message(exec.stderr));
      steps.push((await runRuntime(rt, ['resume', id])).code, (await stateOf(rt, id)).state?.status);
      const pids = async () => (JSON.parse((await runRuntime(rt, ['ps', '-f', 'json', id])).stdout) as number[] | null) ?? [];
      assert.ok(await waitFor(async () => (await pids()).length === 2), `${rt.name}: ps lists the init and its child`);
      steps.push((await runRuntime(rt, ['kill', '--all', id, 'KILL'])).code);
      assert.ok(await waitFor(async () => (await stateOf(rt, id)).state?.status === 'stopped'), `${rt.name}: kill --all stops it`);
      const pause = await runRuntime(rt, ['pause', id]);
      steps.push(pause.code, message(pause.stderr));
      steps.push((await runRuntime(rt, ['delete', id])).code);
      assert.deepEqual(leftoverCgroups(id), []);
      seen.set(rt.name, steps);
    }
    assert.deepEqual(seen.get('berth-runtime'), seen.get('runc'));
  });

  describe('exec into a running container', () => {
    const running = new Map<string, string>();

    before(async () => {
      const bundle = makeBundle(dir, 'exec', config(base, rootfs, ['sleep', '60'], (c) => c.process.env.push('FROM_CONFIG=1')));
      for (const rt of rts) {
        const id = uniqueId('exec');
        ids.add(id);
        const r = await runRuntime(rt, ['run', '--detach', '--bundle', bundle, id]);
        assert.equal(r.code, 0, `${rt.name} run -d: ${r.stderr}`);
        running.set(rt.name, id);
      }
    });

    const cases: { name: string; flags?: string[]; command: string[]; must: string }[] = [
      {
        name: 'a shell in the container',
        // Its pid in the namespace differs (runc's nsexec forks twice on the way): only that it is not 1 is compared.
        command: ['sh', '-c', 'test $$ -gt 1 && echo "not pid 1"; hostname; id; pwd; env | sort; grep -E "^Cap(Eff|Bnd)" /proc/self/status; exit 7'],
        must: "the container's namespaces, user, cwd, env and capabilities, and the process's exit status",
      },
      {
        name: 'flags',
        flags: ['--env', 'EXTRA=2', '--cwd', '/tmp', '--user', '65534:65534', '--additional-gids', '10'],
        command: ['sh', '-c', 'pwd; id; echo "$EXTRA $HOME"'],
        must: '-e adds to the env, --cwd, -u uid:gid and -g apply, HOME comes from passwd',
      },
      { name: 'a missing program', command: ['nope-not-here'], must: "status 255 and runc's message" },
      { name: 'the init', command: ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline'], must: "the container's pid 1 is the config's program" },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.must}`, async () => {
        const got = new Map<string, unknown>();
        for (const rt of rts) {
          const r = await runRuntime(rt, ['exec', ...(c.flags ?? []), running.get(rt.name)!, ...c.command]);
          got.set(rt.name, { code: r.code, stdout: r.stdout, message: r.code === 255 ? message(r.stderr) : '' });
        }
        assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
      });
    }

    it('exec --detach --pid-file: the process runs in the container and the pid file names it', async () => {
      for (const rt of rts) {
        const pidFile = join(dir, `${rt.name}-exec.pid`);
        const r = await runRuntime(rt, ['exec', '--detach', '--pid-file', pidFile, running.get(rt.name)!, 'sleep', '31']);
        assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
        const pid = Number(readFileSync(pidFile, 'utf8'));
        assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\x0031\x00');
        const ps = await runRuntime(rt, ['ps', '--format', 'json', running.get(rt.name)!]);
        assert.ok((JSON.parse(ps.stdout) as number[]).includes(pid), `${rt.name} ps lists the exec'd process`);
      }
    });

    it('exec into a stopped container fails with 255 for both', async () => {
      const got = new Map<string, unknown>();
      for (const rt of rts) {
        const id = running.get(rt.name)!;
        await runRuntime(rt, ['kill', id, 'KILL']);
        assert.ok(await waitFor(async () => (await stateOf(rt, id)).state?.status === 'stopped'));
        const r = await runRuntime(rt, ['exec', id, 'true']);
        got.set(rt.name, [r.code, message(r.stderr)]);
      }
      assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
    });
  });

  it('--console-socket: the pty master arrives over the socket and the process has the slave as its terminal', async () => {
    const script = 'test -t 0 && test -t 1 && echo on-a-tty; ls -ln /dev/console; tty; echo done';
    const bundle = makeBundle(dir, 'console', config(base, rootfs, ['sh', '-c', script], (c) => (c.process.terminal = true)));
    writeFileSync(join(dir, 'receiver.py'), CONSOLE_RECEIVER);
    const got = new Map<string, { message: string; fds: number; output: string }>();
    for (const rt of rts) {
      const id = uniqueId('tty');
      ids.add(id);
      const sock = join(dir, `${rt.name}.sock`);
      const receiver = spawn(PYTHON, [join(dir, 'receiver.py'), sock], { stdio: ['ignore', 'pipe', 'inherit'] });
      helpers.add(receiver);
      let out = '';
      receiver.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      assert.ok(await waitFor(() => out.startsWith('ready')), 'the receiver listens');
      const r = await runRuntime(rt, ['run', '--detach', '--console-socket', sock, '--bundle', bundle, id]);
      assert.equal(r.code, 0, `${rt.name}: ${r.stderr}`);
      assert.ok(await waitFor(() => out.includes('\n{'), 10_000), `${rt.name}: the receiver got the output`);
      got.set(rt.name, JSON.parse(out.slice(out.indexOf('\n') + 1)) as { message: string; fds: number; output: string });
      await runRuntime(rt, ['delete', '--force', id]);
    }
    const berth = got.get('berth-runtime')!;
    const runc = got.get('runc')!;
    assert.equal(berth.fds, 1);
    assert.equal(runc.fds, 1);
    const lines = (o: string) => o.split('\r\n').filter(Boolean);
    for (const g of [berth, runc]) {
      assert.equal(lines(g.output)[0], 'on-a-tty');
      assert.equal(lines(g.output).at(-1), 'done');
      assert.match(lines(g.output)[1]!, /^c[-rw]{9}\s+1\s+0\s+\d+\s+136,\s+\d+ .* \/dev\/console$/);
    }
    // Both make the terminal in the container's own devpts: same name, owner and mode.
    assert.equal(lines(berth.output)[2], lines(runc.output)[2]);
    assert.match(lines(berth.output)[2]!, /^\/dev\/pts\/\d+$/);
    const modeOwner = (l: string) => l.split(/\s+/).slice(0, 4).join(' ');
    assert.equal(modeOwner(lines(berth.output)[1]!), modeOwner(lines(runc.output)[1]!));
  });

  it('list shows the same columns, ids, statuses, bundles and owners (table, -q and json)', async () => {
    const bundle = makeBundle(dir, 'list', config(base, rootfs, ['sleep', '60']));
    const got = new Map<string, unknown>();
    for (const rt of rts) {
      // A root of its own, so that other tests' containers are not listed.
      const listRt: Runtime = { ...rt, root: join(dir, `list-${rt.name}`) };
      const a = uniqueId('lista');
      const b = uniqueId('listb');
      ids.add(a).add(b);
      assert.equal((await runRuntime(listRt, ['create', '-b', bundle, a])).code, 0);
      assert.equal((await runRuntime(listRt, ['run', '-d', '-b', bundle, b])).code, 0);
      const table = await runRuntime(listRt, ['list']);
      const quiet = await runRuntime(listRt, ['list', '-q']);
      const json = await runRuntime(listRt, ['list', '--format', 'json']);
      const rows = table.stdout.trimEnd().split('\n');
      const header = rows[0]!;
      const cells = rows.slice(1).map((r) => r.split(/\s{3,}/)).map(([id, pid, status, bnd, created, owner]) => {
        assert.ok(!Number.isNaN(Date.parse(created!)), `created column: ${created}`);
        assert.ok(Number(pid) > 0);
        return [id === a ? 'a' : id === b ? 'b' : id, status, bnd, owner];
      });
      // Both list by id, and the ids differ in a random part: compare as a set.
      cells.sort((x, y) => x[0]!.localeCompare(y[0]!));
      const entries = (JSON.parse(json.stdout) as Record<string, unknown>[]).map((e) => [Object.keys(e), e.status, e.owner]);
      got.set(rt.name, {
        // Column widths follow the cells (creation times differ in length): compare the names.
        header: header.split(/\s+/),
        cells,
        quiet: quiet.stdout.split('\n').filter(Boolean).map((id) => (id === a ? 'a' : 'b')).sort(),
        entries: entries.sort((x, y) => String(x[1]).localeCompare(String(y[1]))),
        // Columns are padded to the widest cell plus three spaces, as Go's tabwriter pads them.
        aligned: rows.every((r) => r.slice(header.indexOf('STATUS')).startsWith(r.split(/\s{3,}/)[2]!)),
      });
      for (const id of [a, b]) await runRuntime(listRt, ['delete', '--force', id]);
      const empty = await runRuntime(listRt, ['list', '-f', 'json']);
      assert.equal(empty.stdout, 'null\n');
      rmSync(listRt.root, { recursive: true, force: true });
    }
    assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
  });

  it('a foreground run passes a signal it gets on to the process and ends with the process\'s status', async () => {
    const script = 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done';
    const bundle = makeBundle(dir, 'signal', config(base, rootfs, ['sh', '-c', script]));
    const got = new Map<string, unknown>();
    for (const rt of rts) {
      const id = uniqueId('sig');
      ids.add(id);
      const child = spawn(rt.binary, ['--root', rt.root, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
      helpers.add(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
      assert.ok(await waitFor(() => out.includes('ready')), `${rt.name}: the process started`);
      process.kill(child.pid!, 'SIGTERM');
      const code = await exited;
      assert.ok(await waitFor(() => out.includes('got-term')), `${rt.name}: the process got the signal`);
      got.set(rt.name, { code, out });
      assert.equal((await stateOf(rt, id)).code, 1, `${rt.name} removed the container`);
    }
    assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
  });

  it('errors: the same exit statuses and messages, logrus JSON lines in --log and the plain message on stderr', async () => {
    const got = new Map<string, unknown[]>();
    for (const rt of rts) {
      const log = join(dir, `${rt.name}-log.json`);
      const steps: unknown[] = [];
      const missing = await runRuntime(rt, ['state', 'no-such-container'], { globals: ['--log', log, '--log-format', 'json'] });
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
      steps.push(missing.code, missing.stderr, lines.map((l) => [Object.keys(l), l.level, l.msg]));
      assert.ok(!Number.isNaN(Date.parse(lines[0]!.time!)));
      for (const args of [['frobnicate'], ['state'], ['kill', '--bogus', 'x'], ['kill', 'x', 'y', 'z']]) {
        const r = await runRuntime(rt, args);
        // runc names itself as it was invoked (os.Args[0]).
        steps.push(args.join(' '), r.code, message(r.stderr).replace(/^\S*(runc|berth-runtime): /, ''));
      }
      const badFormat = await runRuntime(rt, ['state', 'x'], { globals: ['--log-format', 'xml'] });
      steps.push(badFormat.code, message(badFormat.stderr));
      const noBundle = await runRuntime(rt, ['create', '--bundle', join(dir, 'no-such-bundle'), uniqueId('x')]);
      steps.push(noBundle.code, message(noBundle.stderr).replace(/^(runc|berth-runtime) create failed: /, '').replace(dir, '<dir>'));
      got.set(rt.name, steps);
    }
    assert.deepEqual(got.get('berth-runtime'), got.get('runc'));
  });

  it('berth-runtime refuses what its plan cannot apply, says what, and leaves nothing behind', async () => {
    const berth = rts.find((r) => r.name === 'berth-runtime')!;
    const cases: { change: (c: Config) => void; flags?: string[]; says: RegExp }[] = [
      { change: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }), says: /SCMP_ACT_NOTIFY needs a seccomp agent/ },
      { change: (c) => c.linux.namespaces.push({ type: 'user' }), says: /does not support user namespaces/ },
      { change: () => {}, flags: ['--no-pivot'], says: /--no-pivot is not supported/ },
      { change: (c) => (c.process.terminal = true), says: /cannot allocate tty if berth-runtime will detach without setting console socket/ },
    ];
    for (const [i, c] of cases.entries()) {
      const bundle = makeBundle(dir, `refused-${i}`, config(base, rootfs, ['true'], c.change));
      const id = uniqueId('refused');
      ids.add(id);
      const r = await runRuntime(berth, ['create', ...(c.flags ?? []), '--bundle', bundle, id]);
      assert.equal(r.code, 1);
      assert.match(message(r.stderr), c.says);
      assert.equal(existsSync(join(berth.root, id)), false);
      assert.deepEqual(leftoverCgroups(id), []);
    }
  });

  it('leaves no container behind', async () => {
    await deleteAll(rts, ids);
    for (const rt of rts) {
      const list = await runRuntime(rt, ['list', '-q']);
      assert.equal(list.stdout, '', `${rt.name} still lists containers`);
    }
    for (const id of ids) assert.deepEqual(leftoverCgroups(id), []);
  });
});
