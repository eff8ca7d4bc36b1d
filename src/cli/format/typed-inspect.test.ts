import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoTemplate } from '../template/go-template.js';
import { typedInspect, type InspectKind } from './typed-inspect.js';

const run = (src: string, data: unknown, kind: InspectKind = 'container') => GoTemplate.parse(src).execute(typedInspect(data, kind));

// Expected strings as docker inspect -f printed them against Docker Engine 20.10 (docker CLI 28).
const container = {
  Id: 'abc', State: { Status: 'running', Running: true, Pid: 7, StartedAt: 's', FinishedAt: 'f' },
  Config: { Labels: {}, Cmd: ['sleep', '1'], ExposedPorts: { '80/tcp': {} } },
  HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
  NetworkSettings: { Networks: { bridge: { IPAddress: '10.0.0.2' } } },
  Extra: 'not in the struct',
};

test('typedInspect gives absent fields Go zero values: nil pointers, maps and slices, empty strings', () => {
  assert.equal(run('{{json .State.Health}}|{{.State.Health}}|{{if .State.Health}}y{{else}}n{{end}}', container), 'null|<nil>|n');
  assert.equal(run('{{.Config.Volumes}}|{{json .Config.Volumes}}|{{len .Config.Volumes}}|{{range .Config.Volumes}}x{{end}}', container), 'map[]|null|0|');
  assert.equal(run('{{.Config.Shell}}|{{json .Config.Shell}}', container), '[]|null');
  assert.equal(run('{{.SizeRw}}|{{json .Config.StopTimeout}}|{{.Config.StopSignal}}|{{.State.Paused}}|{{.State.ExitCode}}', container), '<nil>|null||false|0');
  assert.equal(run('{{.Config.Labels.foo}}|{{.Config.Labels.foo.bar}}|{{.NetworkSettings.Networks.x.IPAddress}}', container), '<no value>|<no value>|<no value>');
});

test('typedInspect prints structs and struct{} values as Go does, and marshals what the daemon sent', () => {
  assert.equal(run('{{.State}}', container), '{running true false false false false 7 0  s f <nil>}');
  assert.equal(run('{{.Config.ExposedPorts}}|{{json .Config.ExposedPorts}}', container), 'map[80/tcp:{}]|{"80/tcp":{}}');
  assert.equal(run('{{.HostConfig.PortBindings}}', container), 'map[80/tcp:[{ 8080}]]');
  assert.equal(run('{{json .Config.Cmd}}', { Config: { Cmd: ['a<b>&'] } }), '["a<b>&"]', 'no HTML escaping, as docker\'s json');
  assert.equal(run('{{json .State}}', container), '{"Status":"running","Running":true,"Pid":7,"StartedAt":"s","FinishedAt":"f"}');
});

test('typedInspect: fields the struct lacks and fields of nil pointers are errors', () => {
  assert.throws(() => run('{{.Extra}}', container), /can't evaluate field Extra in type container\.ContainerInspect/);
  assert.throws(() => run('{{.State.Health.Status}}', container), /at <\.State\.Health\.Status>: nil pointer evaluating \*container\.Health\.Status/);
  assert.throws(() => run('{{.Nope}}', { Name: 'v' }, 'volume'), { message: 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume' });
  assert.throws(() => run('{{.UsageData.Size}}', { Name: 'v' }, 'volume'), { message: 'template: :1:12: executing "" at <.UsageData.Size>: nil pointer evaluating *volume.UsageData.Size' });
});

test('typedInspect prints time.Time fields as Go does', () => {
  assert.equal(run('{{.Created}}|{{json .Created}}', { Created: '2026-11-23T00:49:39.88625596Z' }, 'network'), '2026-11-23 00:49:39.88625596 +0000 UTC|"2026-11-23T00:49:39.88625596Z"');
  assert.equal(run('{{.Metadata.LastTagTime}}', { Metadata: {} }, 'image'), '0001-01-01 00:00:00 +0000 UTC');
});
