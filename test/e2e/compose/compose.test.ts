/**
 * Debian's docker-compose (1.29, through docker-py) runs a two-service project against berthd
 * unchanged: a user network with DNS by service name, a named volume, a published port and
 * depends_on; up -d, ps, logs, exec, restart, down -v.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../kit/run.js';
import { TestDaemon } from '../../kit/test-daemon.js';
import { freePort } from '../../kit/free-port.js';
import { httpGetWhenUp } from '../../kit/http-get.js';

const COMPOSE = '/usr/bin/docker-compose';

describe('docker-compose runs a project unchanged', { skip: !existsSync(COMPOSE) && 'docker-compose is not installed' }, () => {
  let d: TestDaemon;
  let dir: string;
  let port: number;
  const project = 'berthcompose';
  const compose = (args: string[]) => run(COMPOSE, ['-p', project, ...args], { cwd: dir, env: { DOCKER_HOST: d.host, COMPOSE_INTERACTIVE_NO_CLI: '1' }, timeoutMs: 90_000 });
  const ok = async (args: string[]) => {
    const r = await compose(args);
    assert.equal(r.code, 0, `docker-compose ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    d = await TestDaemon.start();
    dir = await mkdtemp(join(tmpdir(), 'berth-compose-'));
    port = await freePort();
    await writeFile(join(dir, 'docker-compose.yml'), `version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo served-from-volume > /www/index.html; exec httpd -f -p 80 -h /www"]
    volumes: ["www:/www"]
    ports: ["127.0.0.1:${port}:80"]
    depends_on: [db]
  db:
    image: busybox
    command: ["sh", "-c", "echo db-ready; exec httpd -f -p 8080 -h /etc"]
volumes:
  www: {}
`);
  });

  after(async () => {
    if (d && dir) await compose(['down', '-v', '--timeout', '1']).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    await d?.cleanup();
  });

  test('up -d starts db before web, on the project network, with the port published', async () => {
    await ok(['up', '-d']);
    const ps = await ok(['ps']);
    assert.match(ps, new RegExp(`${project}_web_1 .* Up .*127\\.0\\.0\\.1:${port}->80/tcp`));
    assert.match(ps, new RegExp(`${project}_db_1 .* Up`));
    const got = await httpGetWhenUp(port);
    assert.deepEqual(got, { status: 200, body: 'served-from-volume\n' });
  });

  test('web reaches db by its service name; exec and logs work', async () => {
    const r = await compose(['exec', '-T', 'web', 'wget', '-q', '-O', '-', 'http://db:8080/hostname']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0);
    assert.match(await ok(['logs', 'db']), /db-ready/);
  });

  test('restart keeps the volume\'s data and the port', async () => {
    await ok(['restart', '--timeout', '1']);
    const got = await httpGetWhenUp(port);
    assert.equal(got.body, 'served-from-volume\n');
  });

  test('down -v removes the containers, the network and the volume', async () => {
    await ok(['down', '-v', '--timeout', '1']);
    assert.equal((await d.docker(['ps', '-aq'])).stdout, '');
    assert.doesNotMatch((await d.docker(['network', 'ls'])).stdout, new RegExp(`${project}_default`));
    assert.doesNotMatch((await d.docker(['volume', 'ls'])).stdout, new RegExp(`${project}_www`));
  });
});
