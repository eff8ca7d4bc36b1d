import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../kit/paths.js';
import { run } from '../../kit/run.js';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

/** berthd killed with SIGKILL while containers run: they go on, and everything works on them after a restart. */
describe('berthd restarts into a consistent state', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  test('containers survive SIGKILL of the daemon and are fully usable after the restart', async () => {
    const ok = async (args: string[]) => {
      const r = await d.docker(args);
      assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await ok(['run', '-d', '--name', 'ticker', 'busybox', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.2; done']);
    await ok(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 1; exit 42']);
    await ok(['run', '-dit', '--name', 'shell', 'busybox', 'sh']);
    await ok(['create', '--name', 'idle', 'busybox', 'true']);
    const pidBefore = await ok(['inspect', '-f', '{{.State.Pid}}', 'ticker']);

    await d.kill9();
    // While the daemon is away: the ticker keeps running, the quitter exits.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(existsSync(`/proc/${pidBefore.trim()}`), 'the container process outlived the daemon');
    await d.restart();

    assert.equal(await ok(['inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'ticker']), `running ${pidBefore}`);
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'quitter']), 'exited 42\n');
    assert.equal(await ok(['inspect', '-f', '{{.State.Status}}', 'idle']), 'created\n');
    const ps = await ok(['ps', '--format', '{{.Names}}']);
    assert.deepEqual(ps.trim().split('\n').sort(), ['shell', 'ticker']);

    // logs -f follows across the restart: new lines keep coming.
    const logs = await d.docker(['logs', '--tail', '1', 'ticker']);
    const n1 = Number(/tick(\d+)/.exec(logs.stdout)?.[1]);
    await new Promise((r) => setTimeout(r, 600));
    const n2 = Number(/tick(\d+)/.exec((await d.docker(['logs', '--tail', '1', 'ticker'])).stdout)?.[1]);
    assert.ok(n2 > n1, `the log grows after the restart (${n1} then ${n2})`);

    assert.equal(await ok(['exec', 'ticker', 'echo', 'exec-works']), 'exec-works\n');
    const attach = await d.docker(['attach', '--no-stdin', 'ticker'], { timeoutMs: 3000 }).catch((e: Error) => ({ code: -1, stdout: e.message, stderr: '' }));
    assert.match(attach.stdout, /tick\d+/, 'attach after the restart gets output');

    const wait = d.docker(['wait', 'ticker']);
    await ok(['stop', '-t', '1', 'ticker']);
    assert.equal((await wait).stdout, '137\n');
    await ok(['rm', 'ticker', 'quitter', 'idle']);
    await ok(['rm', '-f', 'shell']);
  });

  test('a second daemon on the same pidfile is refused', async () => {
    const pidfile = `${d.dir}/berthd.pid`;
    assert.equal(readFileSync(pidfile, 'utf8').trim(), String(d.pid));
    const r = await run(join(repoRoot, 'bin/berthd'), ['-H', `unix://${d.dir}/second.sock`, '--data-root', d.dataRoot, '--exec-root', d.execRoot, '--pidfile', pidfile, '--config-file', `${d.dir}/daemon.json`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pid file found, ensure berthd is not running or delete /);
  });
});
