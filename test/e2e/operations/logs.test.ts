import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, until } from './ops-kit.js';

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

describe('bounded logs', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = okWith(() => d);
  const logFiles = async (name: string) => {
    const path = (await ok(['inspect', '-f', '{{.LogPath}}', name])).trim();
    const dir = join(path, '..');
    return readdirSync(dir).filter((f) => f.startsWith(`${path.split('/').pop()}`)).map((f) => statSync(join(dir, f)).size);
  };

  test('a flood with max-size=1m,max-file=3 stays under 3 MB; tail reaches into rotated files; berthd does not grow', async () => {
    const rssBefore = rssKb(d.pid);
    // About 30 MB of json-file log written as fast as the container can.
    await ok(['run', '--name', 'flood', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=3', 'busybox', 'seq', '1', '400000']);
    const sizes = await logFiles('flood');
    assert.ok(sizes.length === 3 && sizes.reduce((a, b) => a + b, 0) <= 3 * 1024 * 1024, `files ${sizes}`);
    assert.equal(await ok(['logs', '--tail', '3', 'flood']), '399998\n399999\n400000\n');
    assert.equal(await ok(['logs', '--tail', '3', 'flood'], 'berth'), '399998\n399999\n400000\n');
    // A tail reaching back into the rotated files.
    const many = (await ok(['logs', '--tail', '20000', 'flood'])).split('\n');
    assert.deepEqual([many.length, many[0], many.at(-2)], [20001, '380001', '400000']);
    const all = (await ok(['logs', 'flood'])).split('\n').filter(Boolean).map(Number);
    assert.ok(all.every((n, i) => i === 0 || n === all[i - 1]! + 1), 'what is kept is in order and contiguous');
    assert.ok(rssKb(d.pid) - rssBefore < 60 * 1024, `berthd grew from ${rssBefore} to ${rssKb(d.pid)} kB`);
    await ok(['rm', 'flood']);
  });

  test('logs -f follows across rotations (compressed ones too) until the exit', async () => {
    await ok(['run', '-d', '--name', 'rot', '--log-opt', 'max-size=200k', '--log-opt', 'max-file=4', '--log-opt', 'compress=true', 'busybox', 'sh', '-c',
      'sleep 0.5; for i in $(seq 0 29); do seq $((i*1000+1)) $((i*1000+1000)); sleep 0.05; done']);
    const followed = (await ok(['logs', '-f', 'rot'])).split('\n').filter(Boolean).map(Number);
    assert.equal(followed.length, 30000, 'no line lost while following');
    assert.ok(followed.every((n, i) => n === i + 1));
    await until('the compressed files', async () => readdirSync(join((await ok(['inspect', '-f', '{{.LogPath}}', 'rot'])).trim(), '..')).filter((f) => f.endsWith('.gz')).length === 3);
    const tail = (await ok(['logs', '--tail', '6000', 'rot'])).split('\n').filter(Boolean).map(Number);
    assert.deepEqual([tail.length, tail[0], tail.at(-1)], [6000, 24001, 30000]);
    await ok(['rm', 'rot']);
  });

  test('lines over 16 KiB are split as partial entries and joined by readers; none and local drivers', async () => {
    await ok(['run', '--name', 'long', 'busybox', 'sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" a; echo; echo short']);
    assert.equal(await ok(['logs', 'long']), `${'a'.repeat(40000)}\nshort\n`);
    const path = (await ok(['inspect', '-f', '{{.LogPath}}', 'long'])).trim();
    const entries = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { log: string }).log.length);
    assert.deepEqual(entries, [16384, 16384, 7233, 6]);
    assert.equal(await ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'long']), '{"Type":"json-file","Config":{}}\n');
    await ok(['run', '--name', 'none', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
    const r = await d.docker(['logs', 'none']);
    assert.match(r.stderr, /configured logging driver does not support reading/);
    await ok(['run', '--name', 'local', '--log-driver', 'local', 'busybox', 'echo', 'hi']);
    assert.equal(await ok(['logs', 'local']), 'hi\n');
    const bad = await d.docker(['run', '--log-opt', 'max-file=0', '--log-opt', 'max-size=1k', 'busybox', 'true']);
    assert.match(bad.stderr, /max-file cannot be less than 1/);
    await ok(['rm', 'long', 'none', 'local']);
  });
});
