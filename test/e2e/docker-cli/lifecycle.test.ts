import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

for (const client of ['docker', 'berth'] as const)
describe(`container lifecycle through ${client}`, () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = async (args: string[]) => {
    const r = await d[client](args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('logs: all, --tail, -t, --since and stderr kept apart', async () => {
    await ok(['run', '--name', 'lg', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done']);
    const all = await d[client](['logs', 'lg']);
    assert.equal(all.stdout, 'out1\nout2\nout3\nout4\nout5\n');
    assert.equal(all.stderr, 'err1\nerr2\nerr3\nerr4\nerr5\n');
    await ok(['run', '--name', 'lt', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; done']);
    assert.equal((await d[client](['logs', '--tail', '2', 'lt'])).stdout, 'out4\nout5\n');
    assert.match((await d[client](['logs', '-t', '--tail', '1', 'lt'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out5\n$/);
    assert.equal((await d[client](['logs', '--tail', '0', 'lt'])).stdout, '');
    await ok(['rm', 'lt']);
    assert.equal((await d[client](['logs', '--since', '2099-01-01T00:00:00Z', 'lg'])).stdout, '');
    assert.equal((await d[client](['logs', '--until', '2000-01-01T00:00:00Z', 'lg'])).stdout, '');
    await ok(['rm', 'lg']);
  });

  test('logs -f follows a running container until it exits', async () => {
    await ok(['run', '-d', '--name', 'lf', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo tick$i; sleep 0.3; done']);
    const r = await d[client](['logs', '-f', 'lf'], { timeoutMs: 10_000 });
    assert.equal(r.stdout, 'tick1\ntick2\ntick3\n');
    await ok(['rm', 'lf']);
  });

  test('stop sends SIGTERM and the container exits on it', async () => {
    await ok(['run', '-d', '--name', 'st', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']);
    const t0 = Date.now();
    assert.equal(await ok(['stop', 'st']), 'st\n');
    assert.ok(Date.now() - t0 < 5000, 'stopped well before the timeout');
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'st']), 'exited 0\n');
    await ok(['rm', 'st']);
  });

  test('stop kills with SIGKILL a process that ignores SIGTERM, after the timeout', async () => {
    await ok(['run', '-d', '--name', 'ig', 'busybox', 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    const t0 = Date.now();
    await ok(['stop', '-t', '1', 'ig']);
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 4000, `took ${took} ms`);
    assert.equal(await ok(['inspect', '-f', '{{.State.ExitCode}} {{.State.Running}}', 'ig']), '137 false\n');
    const again = await d[client](['stop', 'ig']);
    assert.equal(again.code, 0, 'stopping a stopped container is not an error');
    await ok(['rm', 'ig']);
  });

  test('kill sends any signal; kill of a stopped container is an error', async () => {
    await ok(['run', '-d', '--name', 'kl', 'busybox', 'sh', '-c', 'trap "echo got-hup" HUP; while true; do sleep 0.1; done']);
    await ok(['kill', '-s', 'HUP', 'kl']);
    for (let i = 0; i < 50 && !(await d[client](['logs', 'kl'])).stdout.includes('got-hup'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await d[client](['logs', 'kl'])).stdout, 'got-hup\n');
    await ok(['kill', 'kl']);
    assert.equal(await ok(['wait', 'kl']), '137\n');
    const r = await d[client](['kill', 'kl']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not running/);
    await ok(['rm', 'kl']);
  });

  test('restart, pause, unpause, rename, top and ps', async () => {
    await ok(['run', '-d', '--name', 'lc', 'busybox', 'sleep', '300']);
    await ok(['pause', 'lc']);
    assert.match(await ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^lc Up .* \(Paused\)$/m);
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'lc']), 'paused true\n');
    await ok(['unpause', 'lc']);
    const top = await ok(['top', 'lc']);
    assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
    assert.match(top, /sleep 300/);
    await ok(['rename', 'lc', 'lc2']);
    assert.match(await ok(['ps', '--format', '{{.Names}}']), /^lc2$/m);
    const pid1 = await ok(['inspect', '-f', '{{.State.Pid}}', 'lc2']);
    await ok(['restart', '-t', '0', 'lc2']);
    const pid2 = await ok(['inspect', '-f', '{{.State.Pid}} {{.State.Running}}', 'lc2']);
    assert.notEqual(pid1, pid2.split(' ')[0] + '\n');
    assert.match(pid2, / true\n$/);
    const rm = await d[client](['rm', 'lc2']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /cannot remove container "\/lc2": container is running: stop the container before removing or force remove/);
    await ok(['rm', '-f', 'lc2']);
  });

  test('ps -a, -q and filters', async () => {
    await ok(['create', '--name', 'f1', '--label', 'team=a', 'busybox', 'true']);
    assert.equal((await d[client](['run', '--name', 'f2', '--label', 'team=b', 'busybox', 'sh', '-c', 'exit 2'])).code, 2);
    assert.equal(await ok(['ps', '-a', '--filter', 'label=team=a', '--format', '{{.Names}}']), 'f1\n');
    assert.equal(await ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}']), 'f2\n');
    assert.equal(await ok(['ps', '-a', '--filter', 'exited=2', '--format', '{{.Names}}']), 'f2\n');
    assert.equal(await ok(['ps', '-a', '--filter', 'name=f1', '--format', '{{.Names}} {{.Status}}']), 'f1 Created\n');
    assert.equal((await ok(['ps', '-aq'])).trim().split('\n').length, 2);
    assert.equal(await ok(['ps', '-q']), '');
    const pruned = await ok(['container', 'prune', '-f']);
    assert.match(pruned, /Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n/);
    assert.equal(await ok(['ps', '-aq']), '');
  });

  test('inspect shows what clients read', async () => {
    assert.equal((await d[client](['run', '--name', 'in', '-e', 'A=1', 'busybox', 'sh', '-c', 'exit 4'])).code, 4);
    const r = await d[client](['inspect', 'in']);
    const [c] = JSON.parse(r.stdout) as [Record<string, any>];
    assert.equal(c.Name, '/in');
    assert.equal(c.State.Status, 'exited');
    assert.equal(c.State.ExitCode, 4);
    assert.equal(c.State.Running, false);
    assert.equal(c.State.OOMKilled, false);
    assert.match(c.State.StartedAt, /^\d{4}-/);
    assert.ok(Date.parse(c.State.FinishedAt) >= Date.parse(c.State.StartedAt));
    assert.deepEqual(c.Config.Cmd, ['sh', '-c', 'exit 4']);
    assert.ok((c.Config.Env as string[]).includes('A=1'));
    assert.equal(c.Path, 'sh');
    assert.match(c.Image, /^sha256:[0-9a-f]{64}$/);
    await ok(['rm', 'in']);
  });

  test('wait with conditions answers when the condition holds', async () => {
    await ok(['run', '-d', '--name', 'wt', 'busybox', 'sh', '-c', 'sleep 0.5; exit 6']);
    const wait = await d.api('POST', '/containers/wt/wait?condition=not-running');
    assert.equal(wait.status, 200);
    assert.deepEqual(wait.json, { Error: null, StatusCode: 6 });
    const removed = d.api('POST', '/containers/wt/wait?condition=removed');
    await new Promise((r) => setTimeout(r, 100));
    await ok(['rm', 'wt']);
    assert.deepEqual((await removed).json, { Error: null, StatusCode: 6 });
  });

  test('errors answer with Docker\'s status codes and messages', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['GET', '/containers/nosuch/json', undefined, 404, /^No such container: nosuch$/],
      ['POST', '/containers/nosuch/start', undefined, 404, /^No such container: nosuch$/],
      ['POST', '/containers/create', '{"Image": "busybox", ', 400, /invalid JSON/],
      ['POST', '/containers/create', { Image: 'nosuchimage' }, 404, /^No such image: nosuchimage:latest$/],
      ['POST', '/containers/create?name=bad%20name', { Image: 'busybox', Cmd: ['true'] }, 400, /Invalid container name/],
      ['DELETE', '/containers/nosuch', undefined, 404, /^No such container: nosuch$/],
      ['GET', '/v1.99/version', undefined, 400, /client version 1.99 is too new. Maximum supported API version is 1.45/],
      ['GET', '/v1.12/version', undefined, 400, /client version 1.12 is too old/],
      ['GET', '/nosuchendpoint', undefined, 404, /page not found/],
      ['GET', '/containers/json?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D', undefined, 400, /invalid filter 'bogus'/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await d.api(method, path, body);
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      assert.match((r.json as { message: string }).message, message, `${method} ${path}`);
    }
  });
});
