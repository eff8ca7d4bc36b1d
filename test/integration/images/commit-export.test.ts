/**
 * commit (-m -a -c, whiteouts of deleted files and replaced directories), export, history and
 * system df, through the real docker CLI and berth against berthd.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { run } from '../../kit/run.js';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

for (const client of ['docker', 'berth'] as const)
describe(`commit, export, history and system df through ${client}`, () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  const ok = async (args: string[]) => {
    const r = await d[client](args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('commit keeps additions, deletions and opaque directories, with author, message and changes', async () => {
    await ok(['run', '-d', '--name', 'src', 'busybox', 'sh', '-c',
      'echo hello > /new.txt; rm /linuxrc; rm -rf /usr; mkdir /usr; echo only > /usr/only; sleep 300']);
    for (let i = 0; i < 50; i++) {
      if ((await d[client](['exec', 'src', 'cat', '/usr/only'])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const id = (await ok(['commit', '-a', 'Ann Author', '-m', 'my message', '-c', 'ENV FOO=bar', '-c', 'CMD ["sh", "-c", "echo $FOO"]', 'src', 'local/committed:v1'])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await ok(['run', '--rm', 'local/committed:v1']), 'bar\n');
    assert.equal(await ok(['run', '--rm', 'local/committed:v1', 'sh', '-c', 'cat /new.txt; ls /usr; test -e /linuxrc || echo gone']), 'hello\nonly\ngone\n');
    const [img] = JSON.parse(await ok(['image', 'inspect', 'local/committed:v1'])) as [{ Author: string; Comment: string; Parent: string; RootFS: { Layers: string[] }; Config: { Env: string[] } }];
    assert.equal(img.Author, 'Ann Author');
    assert.equal(img.Comment, 'my message');
    assert.equal(img.RootFS.Layers.length, 2);
    assert.ok(img.Config.Env.includes('FOO=bar'));
    const [base] = JSON.parse(await ok(['image', 'inspect', 'busybox'])) as [{ Id: string }];
    assert.equal(img.Parent, base.Id);
    const ls = await ok(['run', '--rm', 'local/committed:v1', 'ls', '-a', '/usr']);
    assert.deepEqual(ls.trim().split('\n').filter((n) => n !== '.' && n !== '..'), ['only']);
  });

  test('history lists the committed layer with its message, newest first', async () => {
    const out = await ok(['history', 'local/committed:v1']);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.equal(lines.length, 3, out);
    assert.match(lines[1]!, /^[0-9a-f]{12}\s+.*sh -c echo hello.*my message$/);
    assert.match(lines[2]!, /^<missing>\s+/);
    const [h] = JSON.parse(JSON.stringify((await d.api('GET', '/v1.45/images/local/committed:v1/history')).json)) as [{ Comment: string; Tags: string[] }];
    assert.equal(h.Comment, 'my message');
    assert.deepEqual(h.Tags, ['local/committed:v1']);
  });

  test('export writes the merged filesystem of the container', async () => {
    const file = join(d.dir, `export-${client}.tar`);
    await ok(['export', '-o', file, 'src']);
    const list = (await run('tar', ['-tf', file])).stdout.split('\n').map((n) => n.replace(/^\.\//, ''));
    assert.ok(list.includes('new.txt'), 'the added file');
    assert.ok(list.includes('bin/busybox'), 'a file of the image');
    assert.ok(list.includes('usr/only') && !list.some((n) => n.startsWith('usr/bin')), 'the replaced directory');
    assert.ok(!list.includes('linuxrc'), 'the deleted file');
    assert.ok(!list.some((n) => n.includes('.wh.')), 'no whiteouts');
    await ok(['rm', '-f', 'src']);
  });

  test('system df sums images and containers', async () => {
    const out = await ok(['system', 'df']);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
    assert.match(lines[1]!, /^Images\s+3\s+0\s+\d+(\.\d+)?[kM]B\s+\d+(\.\d+)?[kM]B \(100%\)$/);
    assert.match(lines[2]!, /^Containers\s+0\s+0\s+0B\s+0B$/);
  });
});
