import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../common/errors.js';
import { checkContainerCreate, checkContainerUpdate, isSignal } from './container-create-check.js';

const host = { cpus: 2 };
const create = (b: Record<string, unknown>) => checkContainerCreate({ Image: 'busybox', ...b }, host);
const withHost = (h: Record<string, unknown>) => create({ HostConfig: h });

test('checkContainerCreate takes what the docker CLI sends', () => {
  create({
    Hostname: '', Domainname: '', User: '', AttachStdin: true, Tty: true, OpenStdin: true, Env: ['A=1', 'B'], Cmd: ['sh'], Entrypoint: null,
    Labels: {}, Volumes: {}, WorkingDir: '', ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGTERM',
    HostConfig: {
      Binds: ['/tmp:/data'], NetworkMode: 'default', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
      RestartPolicy: { Name: '', MaximumRetryCount: 0 }, ConsoleSize: [40, 100], Memory: 268435456, MemorySwap: -1, NanoCpus: 1e9,
      PidsLimit: null, MemorySwappiness: -1, Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }], CpusetCpus: '0-1', IpcMode: 'private',
    },
    NetworkingConfig: { EndpointsConfig: { default: {} } },
  });
});

test('checkContainerCreate applies moby\'s rules with moby\'s messages', () => {
  const cases: [() => void, RegExp][] = [
    [() => withHost({ Memory: -1 }), /^Minimum memory limit allowed is 6MB$/],
    [() => withHost({ NanoCpus: 1, CpuQuota: 2000 }), /Conflicting options: Nano CPUs and CPU Quota cannot both be set/],
    [() => withHost({ NanoCpus: 3e9 }), /Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available/],
    [() => withHost({ CpusetCpus: '2' }), /Requested CPUs are not available - requested 2, available: 0-1/],
    [() => withHost({ RestartPolicy: { Name: 'no', MaximumRetryCount: -1 } }), /can only be used with 'on-failure' and cannot be negative/],
    [() => withHost({ UTSMode: 'container:x' }), /invalid UTS mode: container:x/],
    [() => withHost({ MemoryReservation: 64 << 20, Memory: 32 << 20 }), /can not be less than memory reservation/],
    [() => create({ StopSignal: 'SIGRTMIN+31' }), /Invalid signal: SIGRTMIN\+31/],
    [() => create({ Env: [''] }), /invalid environment variable: $/],
    [() => create({ Healthcheck: { Retries: -1 } }), /Retries in Healthcheck cannot be negative/],
  ];
  for (const [f, re] of cases) assert.throws(f, (err: unknown) => err instanceof InvalidArgument && re.test((err as Error).message));
});

test('checkContainerUpdate allows swap without memory, as moby does for an update', () => {
  checkContainerUpdate({ MemorySwap: 64 << 20 }, host);
  assert.throws(() => checkContainerUpdate({ Memory: 5 }, host), /Minimum memory limit/);
});

test('isSignal knows names, numbers and real-time signals', () => {
  for (const s of ['9', 'KILL', 'SIGKILL', 'sigterm', 'HUP', 'SIGRTMIN+3', '64']) assert.ok(isSignal(s), s);
  for (const s of ['0', '65', 'FOO', 'SIGRTMIN+31', '', '-9']) assert.ok(!isSignal(s), s);
});
