import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, sleep, until } from './ops-kit.js';

interface Ev { Action: string; timeNano: number }


describe('restart policies', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = okWith(() => d);
  const inspect = async (name: string, fmt: string) => (await ok(['inspect', '-f', fmt, name])).trim();

  test('on-failure:4 restarts a crashing container with growing delays and counts the restarts', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(['run', '-d', '--name', 'crash', '--restart', 'on-failure:4', 'busybox', 'sh', '-c', 'exit 3']);
    await until('four restarts', async () => (await inspect('crash', '{{.State.Status}} {{.RestartCount}}')) === 'exited 4');
    assert.equal(await inspect('crash', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}'), '3 on-failure 4');
    const r = await ok(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=crash', '--format', '{{json .}}']);
    const evs = r.trim().split('\n').map((l) => JSON.parse(l) as Ev);
    const starts = evs.filter((e) => e.Action === 'start');
    const dies = evs.filter((e) => e.Action === 'die');
    assert.equal(starts.length, 5, r);
    assert.equal(dies.length, 5, r);
    // The wait between a die and the next start doubles from 100 ms (Docker's back-off).
    const gaps = starts.slice(1).map((s, i) => (s.timeNano - dies[i]!.timeNano) / 1e6);
    // (each gap is the back-off plus the time a start takes, which varies with the machine's load)
    gaps.forEach((g, i) => assert.ok(g >= 100 * 2 ** i - 10, `gap ${i} is at least ${100 * 2 ** i} ms: ${gaps}`));
    assert.ok(gaps[0]! < 600 && gaps.every((g, i) => i === 0 || g > gaps[i - 1]!), `gaps grow: ${gaps}`);
    // A manual start begins the count again.
    await ok(['update', '--restart', 'no', 'crash'], 'berth');
    await ok(['start', 'crash']);
    await until('the exit', async () => (await inspect('crash', '{{.State.Status}}')) === 'exited');
    assert.equal(await inspect('crash', '{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}'), '0 no');
  });

  test('a stop is respected, and always/unless-stopped come back after berthd is killed with SIGKILL', async () => {
    await ok(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sleep', '300']);
    await ok(['run', '-d', '--name', 'uns', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']);
    await ok(['run', '-d', '--name', 'uns-stopped', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']);
    await ok(['run', '-d', '--name', 'flaky', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1; exit 1']);
    await ok(['stop', '-t', '0', 'uns-stopped'], 'berth');
    await sleep(300);
    assert.equal(await inspect('uns-stopped', '{{.State.Status}}'), 'exited', 'a stopped container stays stopped');
    const pidBefore = await inspect('alw', '{{.State.Pid}}');
    // The running ones are killed with berthd (as a reboot would), except alw, which is adopted.
    const unsPid = Number(await inspect('uns', '{{.State.Pid}}'));
    await d.kill9();
    process.kill(unsPid, 'SIGKILL');
    await sleep(200);
    await d.restart();
    await until('alw, uns and flaky running', async () =>
      (await ok(['ps', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort().join(' ') === 'alw flaky uns');
    assert.equal(await inspect('alw', '{{.State.Pid}}'), pidBefore, 'a container still running under its shim is adopted, not restarted');
    assert.equal(await inspect('uns-stopped', '{{.State.Status}}'), 'exited', 'unless-stopped stays stopped across a daemon restart');
    await until('flaky restarted again by its policy', async () => Number(await inspect('flaky', '{{.RestartCount}}')) >= 1);
    // Stopped by hand during its back-off or its run: it stays stopped.
    await ok(['stop', 'flaky']);
    await sleep(1500);
    assert.equal(await inspect('flaky', '{{.State.Status}}'), 'exited');
    await ok(['rm', '-f', 'alw', 'uns', 'uns-stopped', 'flaky']);
  });
});
