import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';

/** The docker run flags that change a container's confinement, each with what it must show. */
interface Case {
  name: string;
  args: string[];
  code: number;
  stdout?: string | RegExp;
  stderr?: RegExp;
}

const hostCapBnd = /^CapBnd:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;

const cases: Case[] = [
  { name: 'a default container has Docker\'s capabilities and no new privileges unless asked', args: ['run', '--rm', 'busybox', 'grep', '-E', 'CapEff|NoNewPrivs', '/proc/self/status'], code: 0, stdout: 'CapEff:\t00000000a80425fb\nNoNewPrivs:\t0\n' },
  { name: '--security-opt no-new-privileges', args: ['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status'], code: 0, stdout: 'NoNewPrivs:\t1\n' },
  { name: 'an unknown capability is refused at create, as Docker does', args: ['create', '--cap-add', 'FOO', 'busybox', 'true'], code: 1, stderr: /invalid CapAdd: unknown capability: "CAP_FOO"/ },
  { name: 'an unknown capability to drop is refused too', args: ['create', '--cap-drop', 'cap_bar', 'busybox', 'true'], code: 1, stderr: /invalid CapDrop: unknown capability: "CAP_BAR"/ },
  { name: '--cap-drop ALL leaves none', args: ['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'grep', 'CapEff', '/proc/self/status'], code: 0, stdout: 'CapEff:\t0000000000000000\n' },
  { name: '--cap-add NET_ADMIN lets the container change its links', args: ['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'sh', '-c', 'ip link set lo down && echo down'], code: 0, stdout: 'down\n' },
  { name: 'without NET_ADMIN it cannot', args: ['run', '--rm', 'busybox', 'sh', '-c', 'ip link set lo down 2>/dev/null || echo refused'], code: 0, stdout: 'refused\n' },
  { name: '--privileged gives every capability the host has, and no more', args: ['run', '--rm', '--privileged', 'busybox', 'grep', 'CapEff', '/proc/self/status'], code: 0, stdout: `CapEff:\t${hostCapBnd}\n` },
  { name: '--privileged can mount and sees the host\'s devices', args: ['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'mkdir -p /m && mount -t tmpfs t /m && echo mounted; test -c /dev/kmsg && echo kmsg'], code: 0, stdout: 'mounted\nkmsg\n' },
  { name: 'a default container cannot mount, write /proc/sys or sysrq-trigger, or /sys', args: ['run', '--rm', 'busybox', 'sh', '-c', 'mkdir -p /m; mount -t tmpfs t /m 2>/dev/null || echo no-mount; echo 1 2>/dev/null > /proc/sysrq-trigger || echo no-sysrq; echo x 2>/dev/null > /proc/sys/kernel/domainname || echo no-procsys; touch /sys/x 2>/dev/null || echo no-sys'], code: 0, stdout: 'no-mount\nno-sysrq\nno-procsys\nno-sys\n' },
  { name: 'a default container cannot load kernel modules or reach devices it was not given', args: ['run', '--rm', 'busybox', 'sh', '-c', 'insmod /x.ko 2>/dev/null || echo no-module; mknod /k c 1 11 && (head -c1 /k 2>/dev/null || echo no-kmsg)'], code: 0, stdout: 'no-module\nno-kmsg\n' },
  { name: 'a default container sees only its own processes', args: ['run', '--rm', 'busybox', 'sh', '-c', 'ls /proc | grep -c "^[0-9]"'], code: 0, stdout: /^[1-3]\n$/ },
  { name: '--read-only makes the root filesystem read-only', args: ['run', '--rm', '--read-only', 'busybox', 'sh', '-c', 'touch /x 2>&1; echo rc=$?'], code: 0, stdout: /Read-only file system\nrc=1\n/ },
  { name: '--read-only with --tmpfs keeps a writable place', args: ['run', '--rm', '--read-only', '--tmpfs', '/scratch:size=1m', 'busybox', 'sh', '-c', 'touch /scratch/x && echo ok; df -k /scratch | tail -1 | awk \'{print $2}\''], code: 0, stdout: 'ok\n1024\n' },
  { name: '--user and --group-add', args: ['run', '--rm', '-u', '1000:1000', '--group-add', '10', '--group-add', 'nobody', 'busybox', 'id'], code: 0, stdout: 'uid=1000 gid=1000 groups=10,1000,65534(nobody)\n' },
  { name: '--device maps a host device under another name, with its permissions', args: ['run', '--rm', '--device', '/dev/null:/dev/mynull:rw', 'busybox', 'sh', '-c', 'echo x > /dev/mynull && echo wrote; ls -l /dev/mynull | cut -c1'], code: 0, stdout: 'wrote\nc\n' },
  { name: '--sysctl sets a namespaced one', args: ['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward'], code: 0, stdout: '1\n' },
  { name: '--ulimit sets soft and hard limits', args: ['run', '--rm', '--ulimit', 'nofile=100:200', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn'], code: 0, stdout: '100\n200\n' },
  { name: '--shm-size sizes /dev/shm', args: ['run', '--rm', '--shm-size', '2m', 'busybox', 'sh', '-c', 'df -k /dev/shm | tail -1 | awk \'{print $2}\''], code: 0, stdout: '2048\n' },
  { name: '--init runs Docker\'s kind of init as pid 1', args: ['run', '--rm', '--init', 'busybox', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], code: 0, stdout: /^\/sbin\/docker-init -- sh -c / },
  { name: '--init reaps orphans and passes on the exit status', args: ['run', '--rm', '--init', 'busybox', 'sh', '-c', '(sleep 0.2 &); sleep 0.5; exit 7'], code: 7 },
];

describe('docker run flags that change confinement', () => {
  let d: TestDaemon;
  daemonPerSuite((x) => (d = x));

  for (const c of cases) {
    test(c.name, async () => {
      const r = await d.docker(c.args);
      assert.equal(r.code, c.code, `docker ${c.args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      if (typeof c.stdout === 'string') assert.equal(r.stdout, c.stdout);
      else if (c.stdout) assert.match(r.stdout, c.stdout);
      if (c.stderr) assert.match(r.stderr, c.stderr);
    });
  }

  test('--init forwards a stop signal to the program, which exits at once', async () => {
    assert.equal((await d.docker(['run', '-d', '--init', '--name', 'initsig', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'])).code, 0);
    const t0 = Date.now();
    assert.equal((await d.docker(['stop', '-t', '5', 'initsig'])).code, 0);
    assert.ok(Date.now() - t0 < 3000, 'stopped by SIGTERM, not after the timeout');
    assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'initsig'])).stdout, '0\n');
    await d.docker(['rm', 'initsig']);
  });
});
