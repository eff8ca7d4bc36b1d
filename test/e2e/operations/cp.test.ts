import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { okWith, until } from './ops-kit.js';

for (const client of ['docker', 'berth'] as const)
describe(`cp and diff through ${client}`, () => {
  let d: TestDaemon;
  let work: string;
  daemonPerSuite((x) => (d = x), () => {
    work = join(d.dir, 'cp');
    mkdirSync(work);
  });

  const ok = okWith(() => d, client);

  test('files, directories and symlinks both ways, on a running and a stopped container; diff', async () => {
    await ok(['run', '-d', '--name', 'cp1', 'busybox', 'sh', '-c', 'mkdir -p /d/sub && echo one > /d/a && echo two > /d/sub/b && ln -sf /etc/hostname /d/link; rm -f /bin/vi && sleep 300']);
    await until('the files', async () => (await d[client](['exec', 'cp1', 'test', '-L', '/d/link'])).code === 0);
    await ok(['cp', 'cp1:/d', join(work, 'out')]);
    assert.equal(readFileSync(join(work, 'out/a'), 'utf8'), 'one\n');
    assert.equal(readFileSync(join(work, 'out/sub/b'), 'utf8'), 'two\n');
    assert.equal(readlinkSync(join(work, 'out/link')), '/etc/hostname', 'a symlink comes out as a symlink');
    await ok(['cp', 'cp1:/d/a', join(work, 'a-copy')]);
    assert.equal(readFileSync(join(work, 'a-copy'), 'utf8'), 'one\n');
    mkdirSync(join(work, 'in/deep'), { recursive: true });
    writeFileSync(join(work, 'in/deep/f'), 'three\n');
    await ok(['cp', join(work, 'in'), 'cp1:/d/']);
    await ok(['cp', join(work, 'a-copy'), 'cp1:/renamed']);
    assert.equal(await ok(['exec', 'cp1', 'cat', '/d/in/deep/f', '/renamed']), 'three\none\n');
    const diff = await ok(['diff', 'cp1']);
    assert.match(diff, /^D \/bin\/vi$/m);
    assert.match(diff, /^A \/d\/in\/deep\/f$/m);
    assert.match(diff, /^C \/bin$/m);
    assert.doesNotMatch(diff, /\/etc\/hostname/, 'the runtime\'s mount points are not changes');
    await ok(['stop', '-t', '0', 'cp1']);
    await ok(['cp', join(work, 'a-copy'), 'cp1:/d/stopped']);
    await ok(['cp', 'cp1:/d/stopped', join(work, 'back')]);
    assert.equal(readFileSync(join(work, 'back'), 'utf8'), 'one\n');
    await ok(['start', 'cp1']);
    assert.equal(await ok(['exec', 'cp1', 'cat', '/d/stopped']), 'one\n');
    await ok(['rm', '-f', 'cp1']);
    // -a (copyUIDGID): what is copied in belongs to the container's user; without it, to the tar's owner.
    await ok(['run', '-d', '--name', 'cpu', '--user', '1234:5678', 'busybox', 'sleep', '300']);
    await ok(['cp', '-a', join(work, 'a-copy'), 'cpu:/tmp/owned']);
    await ok(['cp', join(work, 'a-copy'), 'cpu:/tmp/plain']);
    assert.equal(await ok(['exec', 'cpu', 'stat', '-c', '%u:%g', '/tmp/owned', '/tmp/plain']), '1234:5678\n0:0\n');
    await ok(['rm', '-f', 'cpu']);
  });

  test('paths resolve inside the container only: symlinks out, a symlink swapped during copies, tar entries with ..', async () => {
    // A host directory named as the container's symlinks point: what they must never reach.
    const hostSide = join(d.dir, 'hostside');
    mkdirSync(hostSide, { recursive: true });
    writeFileSync(join(hostSide, 'canary'), 'HOST\n');
    await ok(['run', '-d', '--name', 'cp2', 'busybox', 'sh', '-c',
      `mkdir -p /x ${hostSide} && echo inside > ${hostSide}/canary && ln -s / /esc && ln -s ../../../../../etc /x/up && ln -s ${hostSide} /x/abs && ` +
      `mkdir -p /swap/real && echo swapped-in > /swap/real/canary && ` +
      `while true; do ln -sfn ${hostSide} /swap/cur; ln -sfn /swap/real /swap/cur; done`]);
    await new Promise((r) => setTimeout(r, 300));
    const inPasswd = await ok(['exec', 'cp2', 'cat', '/etc/passwd']);
    const viaUp = await d[client](['cp', 'cp2:/x/up/passwd', '-']);
    assert.equal(viaUp.code, 0, viaUp.stderr);
    const tarOut = execFileSync('tar', ['-xO'], { input: viaUp.stdout }).toString();
    assert.equal(tarOut, inPasswd, '../../.. stops at the container root');
    await ok(['cp', 'cp2:/x/abs/canary', join(work, 'abs')]);
    assert.equal(readFileSync(join(work, 'abs'), 'utf8'), 'inside\n', 'an absolute symlink is the container\'s path');
    await ok(['cp', join(work, 'abs'), 'cp2:/esc/tmp/']);
    assert.equal(await ok(['exec', 'cp2', 'cat', '/tmp/abs']), 'inside\n');
    assert.ok(!existsSync('/tmp/abs'), 'nothing lands on the host');
    await ok(['cp', join(work, 'abs'), `cp2:/x/abs/written`]);
    assert.ok(!existsSync(join(hostSide, 'written')), 'nothing lands on the host through an absolute symlink');
    // The symlink swap of CVE-2018-15664, raced many times through the API.
    const id = (await ok(['inspect', '-f', '{{.Id}}', 'cp2'])).trim();
    let copied = 0;
    for (let i = 0; i < 150; i++) {
      // A copy may fail when the path changes under it; it must never read the host.
      const r = await d.api('GET', `/containers/${id}/archive?path=/swap/cur/canary`).catch(() => undefined);
      assert.ok(!r?.body.includes('HOST'), 'a copy never reads the host');
      if (r?.status === 200) copied++;
    }
    assert.ok(copied > 0, 'some copies went through');
    // An archive whose entries climb out of the extraction point is refused.
    rmSync(join(work, 'evil'), { recursive: true, force: true });
    mkdirSync(join(work, 'evil'));
    writeFileSync(join(work, 'evil/f'), 'evil\n');
    const evil = execFileSync('tar', ['-c', '-C', join(work, 'evil'), '--transform', 's,^f,../../../tmp/evil-f,', 'f']);
    const put = await d.api('PUT', `/containers/${id}/archive?path=/x`, evil, { 'Content-Type': 'application/x-tar' });
    assert.equal(put.status, 400, put.body);
    assert.equal((await d[client](['exec', 'cp2', 'test', '-e', '/tmp/evil-f'])).code, 1);
    const missing = await d[client](['cp', 'cp2:/nope', join(work, 'nope')]);
    assert.match(missing.stderr, /Could not find the file \/nope in container/);
    await ok(['rm', '-f', 'cp2']);
  });
});
