import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseImageTars } from '../../kit/base-images.js';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';
import { buildSyscallProbe } from '../../runtime/syscall-probe.js';

/**
 * Docker's default seccomp profile in berthd's containers, and the flags that change it, through
 * the real docker CLI. The image is busybox plus a static probe (/probe, test/runtime/
 * syscall-probe.c) for the calls busybox cannot make. Cases are rows of arguments, exit status and
 * output, so that they can be run against Docker Engine too.
 */

const EPERM = 'Operation not permitted';

interface Case {
  name: string;
  args: string[];
  code: number;
  stdout?: string | RegExp;
  stderr?: RegExp;
}

const probe = (...checks: string[]) => ['/probe', ...checks];
const lines = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}: ${v}\n`).join('');

describe('seccomp: Docker\'s default profile and --security-opt seccomp', () => {
  let d: TestDaemon;
  let work: string;
  let probeProblem: string | undefined;
  let customProfile: string;

  before(async () => {
    d = await TestDaemon.start();
    work = mkdtempSync(join(tmpdir(), 'berth-seccomp-'));
    const root = join(work, 'root');
    mkdirSync(root);
    probeProblem = buildSyscallProbe(join(work, 'probe'));
    if (probeProblem) return;
    assert.equal((await run('tar', ['-C', root, '-xf', (await baseImageTars()).busybox])).code, 0);
    copyFileSync(join(work, 'probe'), join(root, 'probe'));
    assert.equal((await run('tar', ['-C', root, '-cf', join(work, 'probe.tar'), '.'])).code, 0);
    const imp = await d.docker(['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin', join(work, 'probe.tar'), 'seccomp-probe:latest']);
    assert.equal(imp.code, 0, imp.stderr);
    // Pretty-printed on purpose: the CLI compacts the file and sends its content.
    customProfile = join(work, 'no-mkdir.json');
    writeFileSync(customProfile, JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 122 }],
    }, null, 2));
    writeFileSync(join(work, 'bad-action.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_FROBNICATE' }));
  });
  after(async () => {
    await d?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cases = (): Case[] => [
    {
      name: 'a default container runs under a filter',
      args: ['run', '--rm', 'seccomp-probe', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status'], code: 0, stdout: 'Seccomp:\t2\n',
    },
    {
      name: 'ordinary programs work in it',
      args: ['run', '--rm', 'seccomp-probe', 'sh', '-c', 'mkdir -p /tmp/a/b && echo hi > /tmp/a/b/f && cat /tmp/a/b/f && ls /proc/self/ns | wc -l >/dev/null && date +%Y >/dev/null && echo done'],
      code: 0, stdout: 'hi\ndone\n',
    },
    { name: 'unshare -U is refused', args: ['run', '--rm', 'seccomp-probe', 'unshare', '-U', 'true'], code: 1, stderr: /unshare\(0x10000000\): Operation not permitted/ },
    { name: 'unshare --mount is refused', args: ['run', '--rm', 'seccomp-probe', 'unshare', '--mount', 'true'], code: 1, stderr: /unshare\(0x20000\): Operation not permitted/ },
    {
      name: 'mount, keyrings, a clone into a new user namespace, vsock and userfaultfd are refused with EPERM; clone3 and newer calls get ENOSYS',
      args: ['run', '--rm', 'seccomp-probe', ...probe('getpid', 'fork', 'mount', 'add_key', 'keyctl', 'request_key', 'clone-newuser', 'socket-vsock', 'userfaultfd', 'clone3', 'nr-452')],
      code: 0,
      stdout: lines({
        getpid: 'ok', fork: 'ok', mount: EPERM, add_key: EPERM, keyctl: EPERM, request_key: EPERM, 'clone-newuser': EPERM, 'socket-vsock': EPERM,
        userfaultfd: EPERM, clone3: 'Function not implemented', 'nr-452': 'Function not implemented',
      }),
    },
    {
      name: 'seccomp=unconfined lifts it',
      args: ['run', '--rm', '--security-opt', 'seccomp=unconfined', 'seccomp-probe', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status; unshare -U true && /probe add_key clone-newuser clone3'],
      code: 0, stdout: 'Seccomp:\t0\nadd_key: ok\nclone-newuser: ok\nclone3: ok\n',
    },
    {
      name: '--privileged lifts it',
      args: ['run', '--rm', '--privileged', 'seccomp-probe', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status; unshare --mount true && /probe mount add_key'],
      code: 0, stdout: 'Seccomp:\t0\nmount: ok\nadd_key: ok\n',
    },
    {
      name: '--cap-add SYS_ADMIN allows what the capability guards, under the filter',
      args: ['run', '--rm', '--cap-add', 'SYS_ADMIN', 'seccomp-probe', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status; unshare --mount true && /probe mount add_key'],
      code: 0, stdout: `Seccomp:\t2\nmount: ok\nadd_key: ${EPERM}\n`,
    },
    {
      name: 'seccomp=builtin is the default profile',
      args: ['run', '--rm', '--security-opt', 'seccomp=builtin', 'seccomp-probe', 'unshare', '-U', 'true'], code: 1, stderr: /Operation not permitted/,
    },
    {
      name: 'a profile file that refuses mkdir makes mkdir fail with the errno it names',
      args: ['run', '--rm', '--security-opt', `seccomp=${customProfile}`, 'seccomp-probe', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status; unshare -U true && mkdir /tmp/x'],
      code: 1, stdout: 'Seccomp:\t2\n', stderr: /mkdir: can't create directory '\/tmp\/x': Disk quota exceeded/,
    },
    {
      name: 'a profile the runtime cannot compile fails the start and says why',
      args: ['run', '--rm', '--security-opt', `seccomp=${join(work, 'bad-action.json')}`, 'seccomp-probe', 'true'],
      code: 125, stderr: /Error response from daemon: .*unknown seccomp action "SCMP_ACT_FROBNICATE"/,
    },
  ];

  test('the table', async (t) => {
    if (probeProblem) return t.skip(probeProblem);
    for (const c of cases()) {
      await t.test(c.name, async () => {
        const r = await d.docker(c.args, { timeoutMs: 60_000 });
        const what = `docker ${c.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
        assert.equal(r.code, c.code, what);
        if (typeof c.stdout === 'string') assert.equal(r.stdout, c.stdout, what);
        else if (c.stdout) assert.match(r.stdout, c.stdout, what);
        if (c.stderr) assert.match(r.stderr, c.stderr, what);
      });
    }
  });

  test('an exec runs under the container\'s filter', async (t) => {
    if (probeProblem) return t.skip(probeProblem);
    const started = await d.docker(['run', '-d', '--name', 'seccomp-exec', 'seccomp-probe', 'sleep', '60']);
    assert.equal(started.code, 0, started.stderr);
    try {
      const r = await d.docker(['exec', 'seccomp-exec', 'sh', '-c', 'grep "^Seccomp:" /proc/self/status; /probe unshare-user getpid']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Seccomp:\t2\nunshare-user: ${EPERM}\ngetpid: ok\n`);
    } finally {
      await d.docker(['rm', '-f', 'seccomp-exec']);
    }
  });

  test('info reports the builtin profile, and inspect the profile a container was given', async (t) => {
    if (probeProblem) return t.skip(probeProblem);
    const info = await d.docker(['info', '--format', '{{json .SecurityOptions}}']);
    assert.equal(info.stdout.trim(), '["name=seccomp,profile=builtin"]');
    const created = await d.docker(['create', '--security-opt', `seccomp=${customProfile}`, 'seccomp-probe', 'true']);
    assert.equal(created.code, 0, created.stderr);
    const opts = await d.docker(['inspect', '--format', '{{json .HostConfig.SecurityOpt}}', created.stdout.trim()]);
    assert.deepEqual(JSON.parse(opts.stdout), ['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":122}]}']);
  });

  test('each profile is compiled once, and a restarted daemon compiles nothing again', async (t) => {
    if (probeProblem) return t.skip(probeProblem);
    const cache = join(d.dataRoot, 'seccomp');
    const snapshot = () => readdirSync(cache).sort().map((f) => `${f} ${statSync(join(cache, f)).mtimeMs}`);
    assert.equal((await d.docker(['run', '--rm', 'seccomp-probe', 'true'])).code, 0);
    const before = snapshot();
    assert.ok(before.length >= 2, `the default and the custom profile are on disk: ${before.join(', ')}`);
    await d.restart();
    assert.equal((await d.docker(['run', '--rm', 'seccomp-probe', 'true'])).code, 0);
    assert.equal((await d.docker(['run', '--rm', '--security-opt', `seccomp=${customProfile}`, 'seccomp-probe', 'true'])).code, 0);
    assert.deepEqual(snapshot(), before);
  });
});
