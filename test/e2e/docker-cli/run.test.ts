import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

/** `docker run` as users type it: each row is args, the exit code, and what the output must show. */
interface Case {
  name: string;
  args: string[];
  input?: string;
  code: number;
  stdout?: string | RegExp;
  stderr?: string | RegExp;
}

const cases: Case[] = [
  { name: 'prints the output of the command', args: ['run', '--rm', 'busybox', 'echo', 'hello'], code: 0, stdout: 'hello\n' },
  { name: 'keeps stdout and stderr apart and exits with the container\'s code', args: ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], code: 3, stdout: 'out\n', stderr: 'err\n' },
  { name: 'runs hello-world', args: ['run', '--rm', 'hello-world'], code: 0, stdout: /Hello from Berth!/ },
  { name: 'exits 127 for a missing command', args: ['run', '--rm', 'busybox', 'nonexistent'], code: 127, stderr: /exec: "nonexistent": executable file not found in \$PATH/ },
  { name: 'exits 126 for a directory as the command', args: ['run', '--rm', 'busybox', '/etc'], code: 126, stderr: /is a directory/ },
  { name: 'exits 126 for a file that is not executable', args: ['run', '--rm', 'busybox', '/etc/passwd'], code: 126, stderr: /permission denied/ },
  { name: 'sets environment variables', args: ['run', '--rm', '-e', 'FOO=bar', '--env', 'BAZ=qux', 'busybox', 'sh', '-c', 'echo $FOO $BAZ'], code: 0, stdout: 'bar qux\n' },
  { name: 'has the image\'s PATH and a HOSTNAME', args: ['run', '--rm', 'busybox', 'sh', '-c', 'echo $PATH; echo ${#HOSTNAME}'], code: 0, stdout: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n12\n' },
  { name: 'sets the working directory, creating it', args: ['run', '--rm', '-w', '/work/dir', 'busybox', 'pwd'], code: 0, stdout: '/work/dir\n' },
  { name: 'runs as a user by name', args: ['run', '--rm', '-u', 'nobody', 'busybox', 'id'], code: 0, stdout: 'uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n' },
  { name: 'runs as root with root\'s groups by default', args: ['run', '--rm', 'busybox', 'id'], code: 0, stdout: 'uid=0(root) gid=0(root) groups=0(root)\n' },
  { name: 'runs as uid:gid', args: ['run', '--rm', '-u', '1000:1001', 'busybox', 'id', '-u'], code: 0, stdout: '1000\n' },
  { name: 'refuses an unknown user', args: ['run', '--rm', '-u', 'nosuchuser', 'busybox', 'true'], code: 125, stderr: /unable to find user nosuchuser/ },
  { name: 'overrides the entrypoint', args: ['run', '--rm', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint'], code: 0, stdout: 'from entrypoint\n' },
  { name: 'is pid 1 in its own pid namespace', args: ['run', '--rm', 'busybox', 'sh', '-c', 'echo $$'], code: 0, stdout: '1\n' },
  { name: 'has only loopback with --network none', args: ['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net'], code: 0, stdout: 'lo\n' },
  { name: 'shares the host\'s network and name with --network host', args: ['run', '--rm', '--network', 'host', 'busybox', 'hostname'], code: 0, stdout: `${hostname()}\n` },
  { name: 'takes --hostname', args: ['run', '--rm', '--hostname', 'box1', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname'], code: 0, stdout: 'box1\nbox1\n' },
  { name: 'reads piped stdin with -i', args: ['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo end'], input: 'line one\nline two\n', code: 0, stdout: 'line one\nline two\nend\n' },
  { name: 'gives no stdin without -i', args: ['run', '--rm', 'busybox', 'sh', '-c', 'cat; echo end'], input: 'ignored\n', code: 0, stdout: 'end\n' },
  { name: 'reports a signal death as 128+n', args: ['run', '--rm', 'busybox', 'sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?'], code: 137 },
  { name: 'fails for an image that is not there', args: ['run', '--rm', 'no-such-image-here'], code: 125, stderr: /Unable to find image 'no-such-image-here:latest' locally/ },
  { name: 'mounts /proc, /dev and /sys as docker does', args: ['run', '--rm', 'busybox', 'sh', '-c', 'ls /dev | tr "\\n" " "; grep -c " /sys " /proc/mounts; cat /proc/kcore | wc -c'], code: 0, stdout: `${existsSync('/proc/kcore') ? 'core ' : ''}fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero 1\n0\n` },
  { name: 'has Docker\'s default capabilities', args: ['run', '--rm', 'busybox', 'grep', 'CapEff', '/proc/self/status'], code: 0, stdout: 'CapEff:\t00000000a80425fb\n' },
];

describe('docker run and berth run against berthd', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  // The same table through the real docker CLI and through berth: same exit codes, same output.
  for (const client of ['docker', 'berth'] as const) {
    for (const c of cases) {
      test(`${client}: ${c.name}`, async () => {
        const r = await d[client](c.args, c.input !== undefined ? { input: c.input } : {});
        assert.equal(r.code, c.code, `exit code of ${client} ${c.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        if (typeof c.stdout === 'string') assert.equal(r.stdout, c.stdout);
        else if (c.stdout) assert.match(r.stdout, c.stdout);
        if (typeof c.stderr === 'string') assert.equal(r.stderr, c.stderr);
        else if (c.stderr) assert.match(r.stderr, c.stderr);
      });
    }
  }

  test('leaves no container behind after --rm', async () => {
    const r = await d.docker(['ps', '-aq']);
    assert.equal(r.stdout, '');
  });

  test('a name in use is a conflict with Docker\'s message', async () => {
    assert.equal((await d.docker(['create', '--name', 'dup', 'busybox', 'true'])).code, 0);
    const r = await d.docker(['create', '--name', 'dup', 'busybox', 'true']);
    assert.equal(r.code, 1); // only `docker run` maps daemon errors to 125
    assert.match(r.stderr, /Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./);
    assert.equal((await d.docker(['rm', 'dup'])).code, 0);
  });

  test('-d prints the id and the container runs in the background', async () => {
    const r = await d.docker(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'echo started; sleep 30']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    const ps = await d.docker(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^bg Up /m);
    const logs = await d.docker(['logs', 'bg']);
    assert.equal(logs.stdout, 'started\n');
    assert.equal((await d.docker(['rm', '-f', 'bg'])).code, 0);
  });
});
