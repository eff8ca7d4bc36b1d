import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCommand } from '../berth-command.js';
import { addContainerFlags, type ContainerFlags } from './container-flags.js';
import { buildCreateRequest } from './create-request.js';

/** Parse a run/create command line with the real flag definitions. */
function parse(argv: string[]): { flags: ContainerFlags; args: string[] } {
  const cmd = newCommand({ name: 'create', description: '', usage: '', stopAtFirstArg: true });
  addContainerFlags(cmd);
  cmd.action(() => {});
  cmd.parse(argv, { from: 'user' });
  return { flags: cmd.opts<ContainerFlags>(), args: cmd.args };
}

function body(argv: string[]): string {
  const { flags, args } = parse(argv);
  const [image, ...command] = args;
  return JSON.stringify(buildCreateRequest(flags, { image: image!, command, env: {}, detach: false, consoleSize: [0, 0] }).body);
}

// captured from `docker create busybox` (docker CLI 28.2.2)
const DOCKER_DEFAULT_BODY = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}';

// captured from docker create -i -t -w /tmp -u 1000:1000 --entrypoint /bin/sh -l b=c -l a --network none
// --hostname hh --runtime runc --stop-signal SIGUSR1 --stop-timeout 5 --restart on-failure:3 --init
// --privileged --read-only --memory 256m --cpus 1.5 --pids-limit 100 -p 8080:80
// -p 127.0.0.1:9000-9001:90-91/udp -v /tmp:/data -v /anon busybox -c 'echo x'
const DOCKER_FULL_BODY = '{"Hostname":"hh","Domainname":"","User":"1000:1000","AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{},"90/udp":{},"91/udp":{}},"Tty":true,"OpenStdin":true,"StdinOnce":true,"Env":null,"Cmd":["-c","echo x"],"Image":"busybox","Volumes":{"/anon":{}},"WorkingDir":"/tmp","Entrypoint":["/bin/sh"],"OnBuild":null,"Labels":{"a":"","b":"c"},"StopSignal":"SIGUSR1","StopTimeout":5,"HostConfig":{"Binds":["/tmp:/data"],"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"none","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"90/udp":[{"HostIp":"127.0.0.1","HostPort":"9000"}],"91/udp":[{"HostIp":"127.0.0.1","HostPort":"9001"}]},"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":true,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Runtime":"runc","Isolation":"","CpuShares":0,"Memory":268435456,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":100,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{}}}';

test('buildCreateRequest sends the body docker sends for a bare image', () => {
  assert.equal(body(['busybox']), DOCKER_DEFAULT_BODY);
});

test('buildCreateRequest sends the body docker sends for the common run flags', () => {
  const argv = [
    '-i', '-t', '-w', '/tmp', '-u', '1000:1000', '--entrypoint', '/bin/sh', '-l', 'b=c', '-l', 'a', '--network', 'none',
    '--hostname', 'hh', '--runtime', 'runc', '--stop-signal', 'SIGUSR1', '--stop-timeout', '5', '--restart', 'on-failure:3',
    '--init', '--privileged', '--read-only', '--memory', '256m', '--cpus', '1.5', '--pids-limit', '100', '-p', '8080:80',
    '-p', '127.0.0.1:9000-9001:90-91/udp', '-v', '/tmp:/data', '-v', '/anon', 'busybox', '-c', 'echo x',
  ];
  assert.equal(body(argv), DOCKER_FULL_BODY);
});

test('buildCreateRequest keeps the command after the image untouched', () => {
  const { flags, args } = parse(['-it', '--name=x', '-eA=1', '-e', 'B', 'img', 'sh', '-c', '--rm', '-e']);
  assert.deepEqual(args, ['img', 'sh', '-c', '--rm', '-e']);
  assert.equal(flags.name, 'x');
  assert.deepEqual(flags.env, ['A=1', 'B']);
  assert.equal(flags.rm, undefined);
});

test('buildCreateRequest resolves -e NAME from our environment and detaches without attaching', () => {
  const { flags, args } = parse(['-i', '-e', 'HOME', '-e', 'NOPE', 'img']);
  const req = buildCreateRequest(flags, { image: args[0]!, command: [], env: { HOME: '/root' }, detach: true, consoleSize: [0, 0] });
  assert.deepEqual(req.body.Env, ['HOME=/root', 'NOPE']);
  assert.equal(req.body.AttachStdin, false);
  assert.equal(req.body.AttachStdout, false);
  assert.equal(req.body.StdinOnce, false);
  assert.equal(req.body.OpenStdin, true);
});

test('buildCreateRequest rejects --rm with a restart policy', () => {
  const { flags } = parse(['--rm', '--restart', 'always', 'img']);
  assert.throws(() => buildCreateRequest(flags, { image: 'img', command: [], env: {}, detach: false, consoleSize: [0, 0] }), {
    message: 'conflicting options: cannot specify both --restart and --rm',
  });
});
