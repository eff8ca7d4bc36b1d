import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

/**
 * Resource limits as the kernel enforces them: each test makes a container push against its limit
 * and checks what happened, not just what was written to the cgroup.
 */
describe('resource limits', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = async (args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  };

  const topCount = async (name: string): Promise<number> =>
    (await ok(['top', name])).trim().split('\n').length - 1;
  const statsOf = async (name: string): Promise<Record<string, any>> =>
    (await d.api('GET', `/containers/${name}/stats?stream=false`)).json as Record<string, any>;

  test('--pids-limit stops a fork bomb at the limit, and the container survives it', async () => {
    // A subshell forks sleepers until the kernel refuses; busybox sh gives up at the first refusal.
    // Outer sh + subshell + 8 sleepers fill the 10 slots; the subshell then exits and the outer
    // shell becomes `sleep`, leaving 9 tasks.
    await ok(['run', '-d', '--name', 'bomb', '--pids-limit', '10', 'busybox', 'sh', '-c',
      '(for i in $(seq 40); do sleep 30 & done) 2>/dev/null; exec sleep 30']);
    try {
      let n = 0;
      for (let i = 0; i < 50; i++) {
        const top = await ok(['top', 'bomb', '-o', 'pid,args']);
        n = top.trim().split('\n').length - 1;
        if (!/\bsh -c\b/.test(top) && n === 9) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(n, 9);
      const st = await statsOf('bomb');
      assert.equal(st.pids_stats.current, 9);
      assert.equal(st.pids_stats.limit, 10);
      assert.equal(await ok(['inspect', '-f', '{{.State.Running}}', 'bomb']), 'true\n');
    } finally {
      await d.docker(['rm', '-f', 'bomb']);
    }
  });

  test('--memory kills a process that exceeds it: exit 137, OOMKilled, an oom event', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await d.docker(['run', '--name', 'oomer', '--memory', '16m', '--memory-swap', '16m', 'busybox', 'sh', '-c',
      // Each doubling of a shell variable allocates; 64 MiB is well past 16 MiB.
      'x=0123456789abcdef; while true; do x=$x$x; done']);
    assert.equal(r.code, 137, r.stderr);
    assert.equal(await ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', 'oomer']), `true 137 ${16 * 1024 * 1024}\n`);
    const events = await ok(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
      '--filter', 'container=oomer', '--format', '{{.Action}}']);
    assert.match(events, /^oom$/m);
    assert.match(events, /^die$/m);
    await ok(['rm', 'oomer']);
  });

  test('--cpus 0.5 holds a busy loop near half a CPU', async () => {
    await ok(['run', '-d', '--name', 'hog', '--cpus', '0.5', 'busybox', 'sh', '-c', 'while :; do :; done']);
    try {
      const usage = async (): Promise<number> => {
        const s = JSON.parse(await ok(['inspect', '-f', '{{json .State}}', 'hog'])) as { Pid: number };
        assert.ok(s.Pid > 0);
        const st = await d.api('GET', '/containers/hog/stats?stream=false');
        return (st.json as { cpu_stats: { cpu_usage: { total_usage: number } } }).cpu_stats.cpu_usage.total_usage;
      };
      const u0 = await usage();
      const t0 = process.hrtime.bigint();
      await new Promise((res) => setTimeout(res, 1500));
      const u1 = await usage();
      const wall = Number(process.hrtime.bigint() - t0);
      const share = (u1 - u0) / wall;
      assert.ok(share > 0.2 && share < 0.65, `CPU share ${share.toFixed(2)} should be near 0.5`);
    } finally {
      await d.docker(['rm', '-f', 'hog']);
    }
  });

  test('docker update changes the limits of a running container', async () => {
    await ok(['run', '-d', '--name', 'upd', '--memory', '64m', 'busybox', 'sleep', '60']);
    try {
      await ok(['update', '--memory', '32m', '--memory-swap', '64m', '--pids-limit', '7', '--cpu-shares', '512', 'upd']);
      assert.equal(await ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}', 'upd']),
        `${32 << 20} ${64 << 20} 7 512\n`);
      // The kernel holds the new limit: pid 1, the exec's shell, its subshell and four sleepers
      // fill seven slots; the fifth sleeper's fork fails. The shells exit, leaving 5 tasks.
      // The exec enters the pid namespace by forking once; the process that forked may still be
      // in the cgroup, a zombie, for a moment (this test once counted 4, not 5, under load). The
      // shell waits before the loop so that only the processes counted above hold slots.
      await ok(['exec', 'upd', 'sh', '-c', 'sleep 0.3; (for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done) 2>/dev/null; true']);
      assert.equal(await topCount('upd'), 5);
      const st = await statsOf('upd');
      assert.equal(st.pids_stats.current, 5);
      assert.equal(st.memory_stats.limit, 32 << 20);
      assert.equal(st.pids_stats.limit, 7);
      // Docker refuses a memory limit above memory-swap.
      const bad = await d.docker(['update', '--memory', '128m', 'upd']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Memory limit should be smaller than already set memoryswap limit/);
    } finally {
      await d.docker(['rm', '-f', 'upd']);
    }
  });

  test('a stop timeout longer than a Node timer holds is waited out, not cut short', async () => {
    // 2^31 ms is about 24.8 days: past it, a plain timer would fire at once and SIGKILL the container.
    await ok(['run', '-d', '--name', 'patient', '--stop-timeout', '99999999999', 'busybox', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);
    try {
      const stopping = d.docker(['stop', 'patient']);
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal(await ok(['inspect', '-f', '{{.State.Running}}', 'patient']), 'true\n', 'still running while stop waits');
      await ok(['kill', 'patient']);
      assert.equal((await stopping).code, 0);
    } finally {
      await d.docker(['rm', '-f', 'patient']);
    }
  });

  test('docker stats reports usage of a running container in Docker\'s shape', async () => {
    await ok(['run', '-d', '--name', 'st', '--memory', '48m', 'busybox', 'sleep', '60']);
    try {
      const st = await statsOf('st');
      assert.equal(st.name, '/st');
      assert.match(st.id, /^[0-9a-f]{64}$/);
      assert.ok(st.read && !Number.isNaN(Date.parse(st.read)));
      assert.ok(st.cpu_stats.cpu_usage.total_usage > 0);
      assert.ok(st.cpu_stats.system_cpu_usage > 0);
      assert.ok(st.cpu_stats.online_cpus >= 1);
      assert.ok(st.memory_stats.usage > 0 && st.memory_stats.usage < 48 << 20);
      assert.equal(st.memory_stats.limit, 48 << 20);
      assert.ok(st.pids_stats.current >= 1);
      const line = await ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'st']);
      assert.match(line, /^st [\d.]+[KMG]iB \/ 48MiB 1\n$/);
    } finally {
      await d.docker(['rm', '-f', 'st']);
    }
  });

  test('stats of a stopped container is empty but well-formed; of a missing one is 404', async () => {
    await ok(['create', '--name', 'stc', 'busybox', 'true']);
    try {
      const r = await d.api('GET', '/containers/stc/stats?stream=false');
      assert.equal(r.status, 200);
      const st = r.json as Record<string, any>;
      assert.equal(st.name, '/stc');
      assert.deepEqual(st.memory_stats, {});
      const missing = await d.api('GET', '/containers/nope/stats?stream=false');
      assert.equal(missing.status, 404);
      assert.match((missing.json as { message: string }).message, /No such container: nope/);
    } finally {
      await d.docker(['rm', '-f', 'stc']);
    }
  });
});
