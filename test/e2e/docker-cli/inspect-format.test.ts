import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../../kit/test-daemon.js';

/** [inspect command, object, template, exit code, stdout or stderr] */
type Case = [string[], string, string, number, string];

const parseError = (pos: string, node: string, detail: string) => `template parsing error: template: :1:${pos}: executing "" at <${node}>: ${detail}`;

/*
 * What `docker inspect -f` printed against Docker Engine 20.10 (docker CLI 28) for the same
 * objects: a container without a healthcheck, ports, labels or size; busybox; the default bridge;
 * a local volume. Fields its typed structs have and the JSON leaves out print as Go's zero values.
 */
const cases: Case[] = [
  [['inspect'], 'fmt1', '{{json .State.Health}}', 0, 'null'],
  [['inspect'], 'fmt1', '{{.State.Health}}', 0, '<nil>'],
  [['inspect'], 'fmt1', '{{if .State.Health}}y{{else}}n{{end}}', 0, 'n'],
  [['inspect'], 'fmt1', '{{json .Config.Healthcheck}}', 0, 'null'],
  [['container', 'inspect'], 'fmt1', '{{.Config.ExposedPorts}}|{{json .Config.ExposedPorts}}|{{len .Config.ExposedPorts}}', 0, 'map[]|null|0'],
  [['inspect'], 'fmt1', '{{.SizeRw}}|{{json .SizeRootFs}}', 0, '<nil>|null'],
  [['inspect'], 'fmt1', '{{.Config.StopTimeout}}|{{.Config.StopSignal}}|', 0, '<nil>||'],
  [['inspect'], 'fmt1', '{{.Config.Shell}}|{{json .Config.Shell}}', 0, '[]|null'],
  [['inspect'], 'fmt1', '{{.HostConfig.Annotations}}|{{json .HostConfig.Annotations}}', 0, 'map[]|null'],
  [['inspect'], 'fmt1', '{{.Config.Labels.foo}}|{{index .Config.Labels "foo"}}|{{.NetworkSettings.Networks.nope.IPAddress}}', 0, '<no value>||<no value>'],
  [['inspect'], 'fmt1', '{{.State.Status}} {{.State.Running}}', 0, 'running true'],
  [['inspect'], 'fmt2', '{{.Config.ExposedPorts}}|{{json .Config.ExposedPorts}}|{{.Config.Labels}}', 0, 'map[80/tcp:{}]|{"80/tcp":{}}|map[a:b]'],
  // Unknown fields, and fields of a nil pointer: the error of the raw JSON's lookup, as docker's fallback reports it.
  [['inspect'], 'fmt1', '{{.Nope}}', 1, parseError('2', '.Nope', 'map has no entry for key "Nope"')],
  [['inspect'], 'fmt1', '{{.State.Nope}}', 1, parseError('8', '.State.Nope', 'map has no entry for key "Nope"')],
  [['inspect'], 'fmt1', '{{.State.Health.Status}}', 1, parseError('8', '.State.Health.Status', 'map has no entry for key "Health"')],
  [['inspect'], 'fmt1', '{{json .Config.Healthcheck.Test}}', 1, parseError('14', '.Config.Healthcheck.Test', 'map has no entry for key "Healthcheck"')],
  [['image', 'inspect'], 'busybox', '{{.Config.Healthcheck}}|{{json .Config.ExposedPorts}}|{{.Config.Labels.x}}|{{.Variant}}|', 0, '<nil>|null|<no value>||'],
  [['inspect'], 'busybox', '{{.State.Health}}', 1, parseError('8', '.State.Health', 'map has no entry for key "State"')],
  [['network', 'inspect'], 'bridge', '{{.Peers}}|{{json .Peers}}|{{.Services}}|{{json .IPAM.Options}}|{{.ConfigOnly}}', 0, '[]|null|map[]|null|false'],
  [['network', 'inspect'], 'bridge', '{{.Nope}}', 1, parseError('2', '.Nope', 'map has no entry for key "Nope"')],
  // docker's volume inspect keeps no raw JSON to fall back on: the typed struct's errors stand.
  [['volume', 'inspect'], 'fmtv', '{{.UsageData}}|{{json .Status}}|{{.Status.x}}|{{.Labels.x}}', 0, '<nil>|null|<no value>|<no value>'],
  [['volume', 'inspect'], 'fmtv', '{{.Nope}}', 1, parseError('2', '.Nope', "can't evaluate field Nope in type volume.Volume")],
  [['volume', 'inspect'], 'fmtv', '{{.UsageData.Size}}', 1, parseError('12', '.UsageData.Size', 'nil pointer evaluating *volume.UsageData.Size')],
];

describe('inspect -f on fields the JSON leaves out, as docker prints them', () => {
  let d: TestDaemon;
  before(async () => {
    d = await TestDaemon.start();
    for (const args of [
      ['run', '-d', '--name', 'fmt1', 'busybox', 'sleep', '300'],
      ['create', '--name', 'fmt2', '--expose', '80', '--label', 'a=b', 'busybox'],
      ['volume', 'create', 'fmtv'],
    ]) {
      const r = await d.docker(args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await d?.cleanup();
  });

  // The docker CLI against berthd checks the table itself (and berthd's JSON); berth's CLI must print the same.
  for (const client of ['berth', 'docker'] as const) {
    test(`${client} inspect -f`, async () => {
      for (const [command, name, template, code, expected] of cases) {
        const r = await d[client]([...command, '-f', template, name]);
        const what = `${client} ${command.join(' ')} -f '${template}' ${name}`;
        assert.equal(r.code, code, `${what}: ${r.stderr}`);
        if (code === 0) assert.equal(r.stdout, `${expected}\n`, what);
        else assert.equal(r.stderr.trim(), expected, what);
      }
    });
  }
});
