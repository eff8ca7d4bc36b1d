import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { TestDaemon } from '../../kit/test-daemon.js';
import { daemonPerSuite } from '../../kit/daemon-per-suite.js';
import { run } from '../../kit/run.js';
import { freePort } from '../../kit/free-port.js';

/** GET http://127.0.0.1:port/path from the host; retried while the server inside starts. */
async function httpGet(port: number, path = '/index.html'): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 40; i++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`127.0.0.1:${port} did not answer: ${String(last)}`);
}

const HTTPD = ['sh', '-c', 'echo "served by $(hostname)" > /tmp/index.html && exec httpd -f -h /tmp -p 80'];

describe('networks: the default bridge, published ports, user networks', () => {
  let d: TestDaemon;
  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout.trim();
  };
  /**
   * The host ends of veths on the daemon's bridges, its namespaces and DNAT rules. Spare
   * namespaces the daemon keeps ready are counted: the pool refills to the same size.
   */
  const leftovers = async () => {
    const links = (await run('ip', ['-o', 'link', 'show', 'type', 'veth'])).stdout.split('\n').filter((l) => l.includes(' master '));
    const mine = links.filter((l) => new RegExp(` master (${d.bridge}|br-[0-9a-f]{12}) `).test(l));
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${d.bridge}-`)) : [];
    const table = (await run('nft', ['list', 'chain', 'ip', d.nftTable, 'published'])).stdout;
    return { veths: mine.length, netns: netns.length, dnat: table.split('\n').filter((l) => l.includes('dnat')).length };
  };
  /** The kernel destroys a stopped container's namespace and veths in the background: wait for it. */
  type Counts = Awaited<ReturnType<typeof leftovers>>;
  /** The counts once they stop changing (the spares being remade). */
  const settled = async (): Promise<Counts> => {
    let prev = await leftovers();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const cur = await leftovers();
      if (JSON.stringify(cur) === JSON.stringify(prev)) return cur;
      prev = cur;
    }
    return prev;
  };
  const settlesTo = async (want: Counts) => {
    let got = await leftovers();
    for (let i = 0; i < 60 && JSON.stringify(got) !== JSON.stringify(want); i++) {
      await new Promise((r) => setTimeout(r, 50));
      got = await leftovers();
    }
    assert.deepEqual(got, want);
  };

  daemonPerSuite((x) => (d = x));

  test('a container on the default bridge has an address, a gateway, /etc/hosts and its hostname', async () => {
    const out = await ok(['run', '--rm', '--hostname', 'web1', '--add-host', 'db.example:10.9.9.9', 'busybox', 'sh', '-c',
      'ip -4 -o addr show eth0; ip route; hostname; cat /etc/hostname; grep -E "web1|db.example" /etc/hosts']);
    const [prefix] = d.bip.split('.1/');
    assert.match(out, new RegExp(`inet ${prefix!.replace(/\./g, '\\.')}\\.\\d+/24`));
    assert.match(out, new RegExp(`default via ${d.bip.split('/')[0]!.replace(/\./g, '\\.')} dev eth0`));
    assert.match(out, /\nweb1\nweb1\n/);
    assert.match(out, /10\.9\.9\.9\tdb\.example/);
    assert.match(out, /\t+web1/);
    const dns = await ok(['run', '--rm', '--dns', '127.0.0.1', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.match(dns, /^nameserver 127\.0\.0\.1$/m);
    assert.equal(await ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net | tr "\\n" " "']), 'lo');
  });

  test('busybox httpd on -p 127.0.0.1:PORT:80 answers the host; docker port, ps and inspect show it', async () => {
    const port = await freePort();
    const id = await ok(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    assert.match(await httpGet(port), /^served by [0-9a-f]{12}\n$/);
    assert.equal(await ok(['port', 'web']), `80/tcp -> 127.0.0.1:${port}`);
    assert.match(await ok(['ps', '--format', '{{.Ports}}', '--filter', `id=${id}`]), new RegExp(`^127\\.0\\.0\\.1:${port}->80/tcp$`));
    const ports = JSON.parse(await ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'])) as unknown;
    assert.deepEqual(ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    // Another container reaches it through the host port on the gateway (the host's address on the bridge).
    const gw = d.bip.split('/')[0]!;
    const viaHost = await ok(['run', '--rm', 'busybox', 'sh', '-c', `printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 3 ${gw} ${port} | tail -1`]);
    assert.equal(viaHost, '', 'a port published on 127.0.0.1 only is not reachable on the bridge address');
    await ok(['rm', '-f', 'web']);
  });

  test('-p CONTAINER takes a random host port, -P publishes EXPOSE, reachable from the host and other containers', async () => {
    await ok(['run', '-d', '--name', 'rnd', '-p', '80', '--expose', '8080', '-P', 'busybox', ...HTTPD]);
    const lines = (await ok(['port', 'rnd'])).split('\n').sort();
    assert.equal(lines.length, 2, lines.join('\n'));
    const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0]!);
    assert.ok(m, lines[0]);
    assert.match(lines[1]!, /^8080\/tcp -> 0\.0\.0\.0:\d+$/);
    const port = Number(m[1]);
    assert.match(await httpGet(port), /^served by/);
    const gw = d.bip.split('/')[0]!;
    const viaHost = await ok(['run', '--rm', 'busybox', 'sh', '-c', `printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 3 ${gw} ${port} | tail -1`]);
    assert.match(viaHost, /^served by/);
    // Hairpin: the container reaches itself through its own published port.
    const self = await ok(['exec', 'rnd', 'sh', '-c', `printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 3 ${gw} ${port} | tail -1`]);
    assert.match(self, /^served by/);
    await ok(['rm', '-f', 'rnd']);
  });

  test('a taken host port fails the start with Docker\'s text and leaves nothing behind', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const before = await settled();
      const r = await d.docker(['run', '--name', 'clash', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 127\\.0\\.0\\.1:${port}: bind: address already in use`));
      await settlesTo(before);
      assert.equal(await ok(['inspect', '-f', '{{.State.Status}}', 'clash']), 'created');
      await ok(['rm', 'clash']);
    } finally {
      blocker.close();
    }
  });

  test('ports, addresses and veths are freed after rm', async () => {
    const before = await settled();
    const port = await freePort();
    await ok(['run', '-d', '--name', 'p1', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    await settlesTo({ veths: before.veths + 1, netns: before.netns + 1, dnat: before.dnat + 1 });
    await ok(['rm', '-f', 'p1']);
    await settlesTo(before);
    // The same host port can be published again at once.
    await ok(['run', '-d', '--name', 'p2', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    assert.match(await httpGet(port), /^served by/);
    await ok(['rm', '-f', 'p2']);
    const net = JSON.parse(await ok(['network', 'inspect', 'bridge'])) as { Containers: object }[];
    assert.deepEqual(net[0]!.Containers, {});
  });

  test('user networks: A reaches B by name and alias; from another network it cannot', async () => {
    await ok(['network', 'create', '--label', 'team=a', 'front']);
    const back = d.subnet(77);
    const backPrefix = back.replace(/\.0\/24$/, '');
    await ok(['network', 'create', '--subnet', back, '--gateway', `${backPrefix}.254`, 'back']);
    try {
      await ok(['run', '-d', '--name', 'srv', '--network', 'front', '--network-alias', 'api', 'busybox', ...HTTPD]);
      const ip = await ok(['inspect', '-f', '{{.NetworkSettings.Networks.front.IPAddress}}', 'srv']);
      for (const name of ['srv', 'api']) {
        const out = await ok(['run', '--rm', '--network', 'front', 'busybox', 'sh', '-c', `printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" | nc -w 3 ${name} 80 | tail -1`]);
        assert.match(out, /^served by/, `by ${name}`);
      }
      const other = await d.docker(['run', '--rm', '--network', 'back', 'busybox', 'sh', '-c',
        `cat /etc/resolv.conf; ip -4 -o addr show eth0; nslookup srv; ping -c 1 -W 1 ${ip}`]);
      assert.notEqual(other.code, 0);
      assert.match(other.stdout, new RegExp(`nameserver ${backPrefix.replace(/\./g, '\\.')}\\.254`));
      assert.match(other.stdout, new RegExp(`inet ${backPrefix.replace(/\./g, '\\.')}\\.1/24`));
      assert.match(other.stdout + other.stderr, /can't find srv/);
      assert.match(other.stdout, /100% packet loss/);
      const ls = await ok(['network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}} {{.Driver}}']);
      assert.equal(ls, 'front bridge');
      const r = await d.docker(['network', 'rm', 'front']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /has active endpoints/);
    } finally {
      await d.docker(['rm', '-f', 'srv']);
      await d.docker(['network', 'rm', 'front', 'back']);
    }
    assert.equal(await ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom']), '');
  });

  test('connect and disconnect a running container', async () => {
    await ok(['network', 'create', 'n1']);
    await ok(['network', 'create', '--internal', 'n2']);
    try {
      await ok(['run', '-d', '--name', 'one', '--network', 'n1', 'busybox', 'sleep', '600']);
      await ok(['run', '-d', '--name', 'two', '--network', 'n2', 'busybox', 'sleep', '600']);
      assert.notEqual((await d.docker(['exec', 'two', 'ping', '-c', '1', '-W', '1', 'one'])).code, 0);
      await ok(['network', 'connect', '--alias', 'uno', 'n1', 'two']);
      assert.match(await ok(['exec', 'two', 'ip', '-o', 'link']), /eth1/);
      await ok(['exec', 'two', 'ping', '-c', '1', '-W', '2', 'one']);
      await ok(['exec', 'one', 'ping', '-c', '1', '-W', '2', 'uno']);
      const nets = await ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'two']);
      assert.equal(nets, 'n1 n2');
      await ok(['network', 'disconnect', 'n1', 'two']);
      assert.doesNotMatch(await ok(['exec', 'two', 'ip', '-o', 'link']), /eth1/);
      assert.notEqual((await d.docker(['exec', 'two', 'ping', '-c', '1', '-W', '1', 'one'])).code, 0);
    } finally {
      await d.docker(['rm', '-f', 'one', 'two']);
      await d.docker(['network', 'rm', 'n1', 'n2']);
    }
  });

  test('berthd SIGKILLed: published ports keep answering, no address is handed out twice, rm leaks nothing', async () => {
    const before = await settled();
    const port = await freePort();
    await ok(['run', '-d', '--name', 'survivor', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    const ip1 = await ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'survivor']);
    assert.match(await httpGet(port), /^served by/);
    await d.kill9();
    assert.match(await httpGet(port), /^served by/, 'the kernel keeps forwarding while berthd is down');
    await d.restart();
    assert.match(await httpGet(port), /^served by/);
    const ip2 = await ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0 | sed "s/.*inet \\([0-9.]*\\).*/\\1/"']);
    assert.notEqual(ip2, ip1);
    // The port is held again: another container cannot take it.
    const r = await d.docker(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already (allocated|in use)/);
    await ok(['rm', '-f', 'survivor']);
    await settlesTo(before);
  });

  test('berth network create/ls/inspect/connect/disconnect/rm/prune and berth port', async () => {
    const berth = async (args: string[]) => {
      const r = await d.berth(args);
      assert.equal(r.code, 0, `berth ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout.trim();
    };
    const sub = d.subnet(88);
    const id = await berth(['network', 'create', '--subnet', sub, '--label', 'k=v', 'bn']);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(await berth(['network', 'ls', '--filter', 'name=bn']), new RegExp(`NETWORK ID +NAME +DRIVER +SCOPE\n${id.slice(0, 12)} +bn +bridge +local`));
    assert.equal(await berth(['network', 'inspect', '-f', '{{json .IPAM.Config}} {{.Labels.k}}', 'bn']), `[{"Subnet":"${sub}","Gateway":"${sub.replace(/0\/24$/, '1')}"}] v`);
    await berth(['run', '-d', '--name', 'bc', '-p', '127.0.0.1::80', '--network', 'bn', '--network-alias', 'bee', 'busybox', ...HTTPD]);
    const port = /^80\/tcp -> 127\.0\.0\.1:(\d+)$/.exec(await berth(['port', 'bc']));
    assert.ok(port);
    assert.match(await httpGet(Number(port[1])), /^served by/);
    await berth(['network', 'connect', 'bridge', 'bc']);
    assert.equal(await berth(['inspect', '-f', '{{len .NetworkSettings.Networks}} {{index .NetworkSettings.Networks.bn.Aliases 0}}', 'bc']), '2 bee');
    await berth(['network', 'disconnect', 'bridge', 'bc']);
    const r = await d.berth(['network', 'rm', 'bn']);
    assert.match(r.stderr, /has active endpoints/);
    await berth(['rm', '-f', 'bc']);
    assert.equal(await berth(['network', 'prune', '-f']), 'Deleted Networks:\nbn');
  });
});
