import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../../kit/test-daemon.js';
import { run } from '../../kit/run.js';
import { join } from 'node:path';
import { DOCKER_CLI, repoRoot } from '../../kit/paths.js';

for (const client of ['docker', 'berth'] as const)
describe(`exec, attach and terminals through ${client}`, () => {
  let d: TestDaemon;
  const cli = client === 'docker' ? DOCKER_CLI : join(repoRoot, 'bin/berth');
  before(async () => {
    d = await TestDaemon.start();
    const r = await d[client](['run', '-d', '--name', 'box', '-e', 'IN_CONTAINER=yes', 'busybox', 'sleep', '600']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.cleanup();
  });

  const cases: { name: string; args: string[]; input?: string; code: number; stdout?: string | RegExp; stderr?: string | RegExp }[] = [
    { name: 'runs a command in the container', args: ['exec', 'box', 'sh', '-c', 'echo $IN_CONTAINER; hostname | wc -c'], code: 0, stdout: 'yes\n13\n' },
    { name: 'returns the command\'s exit code', args: ['exec', 'box', 'sh', '-c', 'exit 5'], code: 5 },
    { name: 'keeps stderr apart', args: ['exec', 'box', 'sh', '-c', 'echo o; echo e >&2'], code: 0, stdout: 'o\n', stderr: 'e\n' },
    { name: 'sees the container\'s processes', args: ['exec', 'box', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], code: 0, stdout: 'sleep 600 ' },
    { name: 'takes -u, -w and -e', args: ['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'X=1', 'box', 'sh', '-c', 'id -u; pwd; echo $X'], code: 0, stdout: '65534\n/tmp\n1\n' },
    { name: 'passes stdin with -i', args: ['exec', '-i', 'box', 'sh', '-c', 'tr a-z A-Z'], input: 'shout\n', code: 0, stdout: 'SHOUT\n' },
    { name: 'exits 127 for a missing command', args: ['exec', 'box', 'nonexistent'], code: 127, stdout: /executable file not found/ },
    { name: 'fails on a container that does not exist', args: ['exec', 'nosuch', 'true'], code: 1, stderr: /No such container: nosuch/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await d[client](c.args, c.input !== undefined ? { input: c.input } : {});
      assert.equal(r.code, c.code, `docker ${c.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      if (typeof c.stdout === 'string') assert.equal(r.stdout, c.stdout);
      else if (c.stdout) assert.match(r.stdout + r.stderr, c.stdout);
      if (typeof c.stderr === 'string') assert.equal(r.stderr, c.stderr);
      else if (c.stderr) assert.match(r.stderr, c.stderr);
    });
  }

  test('exec -d runs in the background and exec inspect reports the exit', async () => {
    const r = await d[client](['exec', '-d', 'box', 'sh', '-c', 'echo bg > /tmp/bg-done']);
    assert.equal(r.code, 0, r.stderr);
    for (let i = 0; i < 50; i++) {
      if ((await d[client](['exec', 'box', 'cat', '/tmp/bg-done'])).stdout === 'bg\n') return;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail('the detached exec did not run');
  });

  test('exec into a stopped container is a conflict', async () => {
    assert.equal((await d[client](['create', '--name', 'stopped', 'busybox', 'true'])).code, 0);
    const r = await d[client](['exec', 'stopped', 'true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not running/);
    await d[client](['rm', 'stopped']);
  });

  test('a TTY session: raw terminal, window size, exit code (through script)', async () => {
    const r = await run('script', ['-qec', `stty rows 33 cols 101; ${cli} run -it --rm busybox sh -c 'stty size; test -t 0 && echo tty-in; exit 9'`, '/dev/null'], {
      env: { DOCKER_HOST: d.host, BERTH_HOST: d.host },
      input: '',
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 9, r.stdout);
    assert.match(r.stdout, /33 101\r\n/);
    assert.match(r.stdout, /tty-in\r\n/);
  });

  test('exec -it gets a terminal of the requested size', async () => {
    const r = await run('script', ['-qec', `stty rows 20 cols 70; ${cli} exec -it box sh -c 'stty size; exit 3'`, '/dev/null'], {
      env: { DOCKER_HOST: d.host, BERTH_HOST: d.host },
      input: '',
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 3, r.stdout);
    assert.match(r.stdout, /20 70\r\n/);
  });

  test('typed input reaches the container and Ctrl-P Ctrl-Q detaches', async () => {
    assert.equal((await d[client](['run', '-dit', '--name', 'term', 'busybox', 'sh'])).code, 0);
    // Keys go in only once the CLI has the terminal in raw mode (in cooked mode the tty eats ^Q).
    const feed = `(sleep 1; printf 'echo typed-$((6*7))\\n'; sleep 0.5; printf '\\020\\021'; sleep 3)`;
    const r = await run('bash', ['-c', `${feed} | script -qec '${cli} attach term' /dev/null`], {
      env: { DOCKER_HOST: d.host, BERTH_HOST: d.host },
      timeoutMs: 20_000,
    });
    assert.match(r.stdout, /typed-42/);
    assert.match(r.stdout, /read escape sequence/);
    assert.equal((await d[client](['inspect', '-f', '{{.State.Running}}', 'term'])).stdout, 'true\n');
    await d[client](['rm', '-f', 'term']);
  });

  test('start -a attaches to the output of a created container', async () => {
    const created = await d[client](['create', '--name', 'sa', 'busybox', 'sh', '-c', 'echo attached-output; exit 2']);
    assert.equal(created.code, 0, created.stderr);
    const r = await d[client](['start', '-a', 'sa']);
    assert.equal(r.stdout, 'attached-output\n');
    assert.equal(r.code, 2);
    await d[client](['rm', 'sa']);
  });

  test('attach to a running container sees its later output', async () => {
    // Ticks for three seconds, so that a client slow to start (a loaded machine) still sees some;
    // what was printed before the attach is not replayed.
    assert.equal((await d[client](['run', '-d', '--name', 'later', 'busybox', 'sh', '-c', 'echo before-attach; for i in $(seq 30); do echo tick-$i; sleep 0.1; done'])).code, 0);
    for (let i = 0; i < 50 && !(await d[client](['logs', 'later'])).stdout.includes('before-attach'); i++) await new Promise((r) => setTimeout(r, 50));
    const r = await d[client](['attach', '--no-stdin', 'later'], { timeoutMs: 10_000 });
    assert.match(r.stdout, /tick-30\n$/);
    assert.doesNotMatch(r.stdout, /before-attach/);
    await d[client](['rm', '-f', 'later']);
  });
});
