import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, sleep } from './ops-kit.js';

interface Ev { Type: string; Action: string; status?: string; id?: string; from?: string; Actor: { ID: string; Attributes: Record<string, string> }; scope: string; time: number; timeNano: number }

describe('events', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = okWith(() => d);

  test('events --since replays what happened in order, in dockerd\'s shape, through docker and berth', async () => {
    const since = String(Date.now() / 1000);
    await ok(['create', '--name', 'ev', '-l', 'team=ops', 'busybox', 'sleep', '300']);
    await ok(['start', 'ev']);
    await ok(['exec', 'ev', 'true']);
    await ok(['top', 'ev']);
    await ok(['pause', 'ev']);
    await ok(['unpause', 'ev']);
    await ok(['rename', 'ev', 'ev2']);
    await ok(['kill', '-s', 'HUP', 'ev2']);
    await ok(['stop', '-t', '0', 'ev2']);
    await ok(['rm', 'ev2']);
    await ok(['tag', 'busybox', 'evtag:1']);
    await ok(['rmi', 'evtag:1']);
    await sleep(50);
    const until = String(Date.now() / 1000);
    const expected = [
      'container create', 'container start', 'container exec_create: true', 'container exec_start: true', 'container exec_die',
      'container top', 'container pause', 'container unpause', 'container rename', 'container kill', 'container kill',
      'container kill', 'container die', 'container stop', 'container destroy', 'image tag', 'image untag',
    ];
    const json = await ok(['events', '--since', since, '--until', until, '--format', '{{json .}}']);
    // (network connect/disconnect events are the networks' own, checked with them)
    const evs = json.trim().split('\n').map((l) => JSON.parse(l) as Ev).filter((e) => e.Type !== 'network');
    assert.deepEqual(evs.map((e) => `${e.Type} ${e.Action}`), expected);
    for (let i = 1; i < evs.length; i++) assert.ok(evs[i]!.timeNano > evs[i - 1]!.timeNano, 'timeNano increases');
    const create = evs[0]!;
    assert.deepEqual({ ...create, time: 0, timeNano: 0 }, {
      status: 'create', id: create.Actor.ID, from: 'busybox', Type: 'container', Action: 'create',
      Actor: { ID: create.Actor.ID, Attributes: { image: 'busybox', name: 'ev', team: 'ops' } }, scope: 'local', time: 0, timeNano: 0,
    });
    assert.deepEqual(evs[12]!.Actor.Attributes, { exitCode: '137', image: 'busybox', name: 'ev2', team: 'ops' });
    assert.equal(evs[9]!.Actor.Attributes.signal, '1');
    assert.equal(evs[4]!.Actor.Attributes.exitCode, '0');
    const lines = await ok(['events', '--since', since, '--until', until, '--filter', 'event=die', '--filter', 'label=team=ops'], 'berth');
    assert.match(lines, /^\S+Z container die [0-9a-f]{64} \(exitCode=137, image=busybox, name=ev2, team=ops\)\n$/);
  });
});
