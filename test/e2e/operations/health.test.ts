import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, sleep, until } from './ops-kit.js';


interface Health { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] }

for (const client of ['docker', 'berth'] as const)
describe(`healthchecks through ${client}`, () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = okWith(() => d, client);
  const health = async (name: string) => JSON.parse(await ok(['inspect', '-f', '{{json .State.Health}}', name])) as Health;

  test('starting, healthy, then unhealthy when the probe starts failing; ps, filters and events', async () => {
    const since = String(Date.now() / 1000);
    await ok(['run', '-d', '--name', 'slow', '--health-cmd', 'true', '--health-interval', '1m', 'busybox', 'sleep', '300']);
    assert.equal((await health('slow')).Status, 'starting');
    assert.match(await ok(['ps', '--format', '{{.Status}}', '--filter', 'name=slow']), /^Up .* \(health: starting\)\n$/);
    assert.equal(await ok(['ps', '--format', '{{.Names}}', '--filter', 'health=starting']), 'slow\n');
    await ok(['rm', '-f', 'slow']);
    await ok(['run', '-d', '--name', 'hc', '--health-cmd', 'echo probe; test ! -e /tmp/sick', '--health-interval', '300ms', '--health-retries', '2', 'busybox', 'sleep', '300']);
    await until('healthy', async () => (await health('hc')).Status === 'healthy');
    assert.match(await ok(['ps', '--format', '{{.Status}}', '--filter', 'name=hc']), /\(healthy\)\n$/);
    assert.equal(await ok(['ps', '-q', '--filter', 'health=healthy']), (await ok(['ps', '-q', '--filter', 'name=hc'])));
    const h = await health('hc');
    assert.deepEqual([h.Log.at(-1)!.ExitCode, h.Log.at(-1)!.Output, h.FailingStreak], [0, 'probe\n', 0]);
    await ok(['exec', 'hc', 'touch', '/tmp/sick']);
    await until('unhealthy', async () => (await health('hc')).Status === 'unhealthy');
    const u = await health('hc');
    assert.ok(u.FailingStreak >= 2 && u.Log.length <= 5, JSON.stringify(u));
    assert.equal(await ok(['ps', '--format', '{{.Names}}', '--filter', 'health=unhealthy']), 'hc\n');
    const evs = (await d.docker(['events', '--since', since, '--until', String(Date.now() / 1000), '--filter', 'container=hc', '--filter', 'event=health_status', '--format', '{{.Action}}'])).stdout;
    assert.equal(evs, 'health_status: healthy\nhealth_status: unhealthy\n');
    await ok(['rm', '-f', 'hc']);
  });

  test('a probe that hangs is killed at its timeout; --no-healthcheck turns a check off', async () => {
    await ok(['run', '-d', '--name', 'hang', '--health-cmd', 'sleep 30', '--health-interval', '200ms', '--health-timeout', '300ms', '--health-retries', '1', 'busybox', 'sleep', '300']);
    await until('unhealthy', async () => (await health('hang')).Status === 'unhealthy');
    const h = await health('hang');
    assert.deepEqual([h.Log[0]!.ExitCode, h.Log[0]!.Output], [-1, 'Health check exceeded timeout (300ms)']);
    // The killed probes do not pile up in the container.
    await sleep(1000);
    const ps = await ok(['top', 'hang']);
    assert.ok(ps.split('\n').filter((l) => /sleep 30$/.test(l)).length <= 1, ps);
    await ok(['rm', '-f', 'hang']);
    // The image's HEALTHCHECK, its interval overridden by the container's.
    await ok(['create', '--name', 'base', 'busybox', 'true']);
    await ok(['commit', '--change', 'HEALTHCHECK --interval=1h --retries=7 CMD echo from-image', 'base', `hc-image-${client}`]);
    await ok(['rm', 'base']);
    await ok(['run', '-d', '--name', 'img', '--health-interval', '200ms', `hc-image-${client}`, 'sleep', '300']);
    assert.equal(await ok(['inspect', '-f', '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}', 'img']), '["CMD-SHELL","echo from-image"] 7\n');
    await until('healthy', async () => (await health('img')).Status === 'healthy');
    assert.equal((await health('img')).Log[0]!.Output, 'from-image\n');
    await ok(['rm', '-f', 'img']);
    await ok(['rmi', `hc-image-${client}`]);
    await ok(['create', '--name', 'none', '--no-healthcheck', 'busybox', 'true']);
    assert.equal(await ok(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', 'none']), '["NONE"]\n');
    assert.equal(await ok(['ps', '-a', '--format', '{{.Names}}', '--filter', 'health=none']), 'none\n');
    await ok(['rm', 'none']);
  });
});
