import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseImageTars } from '../../kit/base-images.js';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';

/**
 * An image whose mount points are symlinks leading out of its root: the runtime must resolve them
 * inside the root (as runc does), so that nothing is mounted or created on the host.
 */
describe('mount targets that are symlinks out of the root', () => {
  let d: TestDaemon;
  let work: string;
  const marker = `berth-escape-${process.pid}`;
  const hostPaths = ['hosts', 'proc', 'dev', 'work'].map((n) => `/tmp/${marker}-${n}`);

  before(async () => {
    d = await TestDaemon.start();
    work = mkdtempSync(join(tmpdir(), 'berth-escape-'));
    const root = join(work, 'root');
    assert.equal((await run('mkdir', [root])).code, 0);
    assert.equal((await run('tar', ['-C', root, '-xf', (await baseImageTars()).busybox])).code, 0);
    for (const n of ['etc/hosts', 'proc', 'dev']) rmSync(join(root, n), { recursive: true, force: true });
    // Absolute and relative links that, followed on the host, would leave the root.
    symlinkSync(`/../../../../../../tmp/${marker}-hosts`, join(root, 'etc/hosts'));
    symlinkSync(`../../../../../../../tmp/${marker}-proc`, join(root, 'proc'));
    symlinkSync(`/tmp/${marker}-dev`, join(root, 'dev'));
    symlinkSync(`/../../../../tmp/${marker}-work`, join(root, 'work'));
    assert.equal((await run('tar', ['-C', root, '-cf', join(work, 'evil.tar'), '.'])).code, 0);
    const imp = await d.docker(['import', '-c', 'CMD ["sh"]', '-c', 'ENV PATH=/bin:/usr/bin:/sbin:/usr/sbin', join(work, 'evil.tar'), 'evil:latest']);
    assert.equal(imp.code, 0, imp.stderr);
  });
  after(async () => {
    await d?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    for (const p of hostPaths) rmSync(p, { recursive: true, force: true });
  });

  test('the container runs with its mounts inside its own root, and the host is untouched', async () => {
    const r = await d.docker(['run', '--rm', '-w', '/work/inner', 'evil', 'sh', '-c', 'cat /etc/hosts | head -1; ls /proc/self/ns >/dev/null && echo proc-ok; ls /dev/null && pwd']);
    assert.equal(r.code, 0, r.stderr);
    // /work leads to /tmp/<marker>-work: made and entered inside the container, as runc does.
    assert.equal(r.stdout, `127.0.0.1\tlocalhost\nproc-ok\n/dev/null\n/tmp/${marker}-work/inner\n`);
    for (const p of hostPaths) assert.equal(existsSync(p), false, `${p} was not created on the host`);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(marker), 'nothing is mounted on the host');
  });
});
