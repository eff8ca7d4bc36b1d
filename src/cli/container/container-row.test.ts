import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSummary } from '../../api/types/index.js';
import { renderFormatted } from '../format/render-formatted.js';
import { ContainerRow, DEFAULT_PS_FORMAT, displayablePorts, psHeader } from './container-row.js';

function summary(over: Partial<ContainerSummary>): ContainerSummary {
  return {
    Id: '5eeb38827096ef9ffbd4c548ac90e885bd067b8c859b9e9c2fce53ea4a4e8207',
    Names: ['/t1'],
    Image: 'busybox',
    ImageID: 'sha256:b2f33d0fd07be4f85f11284b8c5190443f7269c4cde84e651a930905c0eccb7e',
    Command: 'sleep 1000',
    Created: 1000,
    Ports: [],
    Labels: {},
    State: 'running',
    Status: 'Up 3 seconds',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
    ...over,
  };
}

test('ps renders docker\'s default table', () => {
  const rows = [
    new ContainerRow(summary({}), { trunc: true, now: 1_002_500 }),
    new ContainerRow(summary({ Id: 'a78125cdd766b906', Names: ['/c4'], Command: "sh -c 'exit 3'", State: 'exited', Status: 'Exited (3) 2 minutes ago', Created: 880 }), {
      trunc: true,
      now: 1_002_500,
    }),
  ];
  assert.equal(
    renderFormatted(DEFAULT_PS_FORMAT, rows, { header: psHeader() }),
    [
      'CONTAINER ID   IMAGE     COMMAND            CREATED         STATUS                     PORTS     NAMES',
      '5eeb38827096   busybox   "sleep 1000"       2 seconds ago   Up 3 seconds                         t1',
      'a78125cdd766   busybox   "sh -c \'exit 3\'"   2 minutes ago   Exited (3) 2 minutes ago             c4',
      '',
    ].join('\n'),
  );
});

test('ContainerRow truncates commands, strips digests from images and skips link names', () => {
  const row = new ContainerRow(
    summary({ Command: '/docker-entrypoint.sh nginx -g daemon off;', Image: 'nginx:1@sha256:' + 'a'.repeat(64), Names: ['/web', '/other/web'] }),
    { trunc: true },
  );
  assert.equal(row.Command, '"/docker-entrypoint.…"');
  assert.equal(row.Image, 'nginx:1');
  assert.equal(row.Names, 'web');
  const full = new ContainerRow(summary({ Names: ['/web', '/other/web'] }), { trunc: false });
  assert.equal(full.Names, 'web,other/web');
  assert.equal(new ContainerRow(summary({ Image: 'sha256:b2f33d0fd07be4f85f11284b8c5190443f7269c4cde84e651a930905c0eccb7e' }), { trunc: true }).Image, 'b2f33d0fd07b');
});

test('ContainerRow marshals like docker and remembers reading Size', () => {
  const row = new ContainerRow(summary({ SizeRw: 12, SizeRootFs: 1984172, Labels: { b: '2', a: '<1>' } }), { trunc: true, now: 1_002_500 });
  assert.equal(row.sizeUsed, false);
  const json = JSON.parse(renderFormatted('{{json .}}', [row], { header: psHeader() }));
  assert.equal(json.Size, '12B (virtual 1.98MB)');
  assert.equal(json.Labels, 'a=<1>,b=2');
  assert.equal(row.sizeUsed, true);
  assert.match(renderFormatted('{{json .}}', [row], { header: psHeader() }), /"a=\\u003c1\\u003e,b=2"/);
});

test('displayablePorts groups ranges and lists host mappings last', () => {
  assert.equal(
    displayablePorts([
      { PrivatePort: 7001, Type: 'tcp' },
      { PrivatePort: 7000, Type: 'tcp' },
      { PrivatePort: 7002, Type: 'tcp' },
      { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8081, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 90, PublicPort: 90, Type: 'udp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ]),
    '0.0.0.0:90->90/udp, 7000-7002/tcp, 127.0.0.1:8081->80/tcp, [::]:8080->80/tcp',
  );
  assert.equal(displayablePorts([]), '');
});
