import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DOCKER_CLI } from '../../kit/paths.js';
import { run } from '../../kit/run.js';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

/** berthd driving Debian's runc through its command line, as containerd's shim does. */
describe('berthd with --runtime runc', { skip: !existsSync('/usr/bin/runc') && 'runc is not installed' }, () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  test('run, exit codes, env and stderr', async () => {
    const r = await d.docker(['run', '--rm', '--runtime', 'runc', '-e', 'V=runc', 'busybox', 'sh', '-c', 'echo $V; echo err >&2; exit 4']);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, 'runc\n');
    assert.equal(r.stderr, 'err\n');
    const missing = await d.docker(['run', '--rm', '--runtime', 'runc', 'busybox', 'nonexistent']);
    assert.equal(missing.code, 127, missing.stderr);
  });

  test('a detached container: logs, exec, exec -it, stop, and its mount gone after removal', async () => {
    assert.equal((await d.docker(['run', '-d', '--runtime', 'runc', '--name', 'rc', 'busybox', 'sh', '-c', 'echo up; exec sleep 300'])).code, 0);
    assert.equal((await d.docker(['logs', 'rc'])).stdout, 'up\n');
    const ex = await d.docker(['exec', 'rc', 'sh', '-c', 'echo $((1+2)); exit 2']);
    assert.equal(ex.code, 2);
    assert.equal(ex.stdout, '3\n');
    const tty = await run('script', ['-qec', `stty rows 21 cols 81; ${DOCKER_CLI} exec -it rc sh -c 'stty size; tty'`, '/dev/null'], { env: { DOCKER_HOST: d.host }, input: '' });
    // script(1) passes its stdin's EOF on as a control character, which the container's
    // terminal may echo between the two lines: check each line on its own.
    assert.match(tty.stdout, /21 81\r\n/);
    assert.match(tty.stdout, /\/dev\/pts\/\d+\r\n/);
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.Runtime}}', 'rc'])).stdout, 'runc\n');
    assert.equal((await d.docker(['stop', '-t', '1', 'rc'])).code, 0);
    assert.equal((await d.docker(['inspect', '-f', '{{.State.Status}}', 'rc'])).stdout, 'exited\n');
    assert.equal((await d.docker(['rm', 'rc'])).code, 0);
    const mounts = (await run('cat', ['/proc/self/mountinfo'])).stdout;
    assert.ok(!mounts.includes(d.execRoot), 'the rootfs mounted for runc is gone');
  });

  test('an unknown runtime is refused at create', async () => {
    const r = await d.docker(['create', '--runtime', 'nosuch', 'busybox', 'true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown or invalid runtime name: nosuch/);
  });
});
