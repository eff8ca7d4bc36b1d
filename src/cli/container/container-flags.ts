import type { BerthCommand } from '../berth-command.js';
import { collect, parseIntFlag } from '../options/collect.js';
import { flagParser } from '../options/flag-value-error.js';
import { parseRamBytes } from '../options/parse-ram-bytes.js';
import { parseMountSpec } from '../options/parse-mount-spec.js';
import type { MountSpec } from '../../api/types/index.js';
import { parseNanoCpus } from '../options/parse-nano-cpus.js';
import type { HealthFlags } from '../options/parse-health-flags.js';

/** Flags shared by `run` and `create`, as commander hands them over. */
export interface ContainerFlags extends HealthFlags {
  attach?: string[];
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  label?: string[];
  labelFile?: string[];
  network?: string;
  net?: string;
  networkAlias?: string[];
  ip?: string;
  hostname?: string;
  domainname?: string;
  runtime?: string;
  stopSignal?: string;
  stopTimeout?: number;
  restart?: string;
  init?: boolean;
  privileged?: boolean;
  readOnly?: boolean;
  memory?: number;
  memorySwap?: number;
  memoryReservation?: number;
  cpus?: number;
  cpuShares?: number;
  cpusetCpus?: string;
  pidsLimit?: number;
  publish?: string[];
  publishAll?: boolean;
  expose?: string[];
  volume?: string[];
  tmpfs?: string[];
  mount?: MountSpec[];
  volumesFrom?: string[];
  platform?: string;
  addHost?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  shmSize?: number;
  logDriver?: string;
  logOpt?: string[];
  ulimit?: string[];
  groupAdd?: string[];
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
  cgroupns?: string;
  oomKillDisable?: boolean;
  detachKeys?: string;
  pull?: string;
}

/** Define the run/create flags on `cmd` (docker's container opts, the commonly used part). */
export function addContainerFlags(cmd: BerthCommand): void {
  const bytes = (flag: string) => flagParser<number>(flag, (v) => parseRamBytes(v));
  const int = (flag: string) => flagParser<number>(flag, (v) => parseIntFlag(v));
  cmd
    .option('-a, --attach <stream>', 'Attach to STDIN, STDOUT or STDERR', flagParser('-a, --attach', attachCollect))
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--rm', 'Automatically remove the container and its associated anonymous volumes when it exits')
    .option('--name <string>', 'Assign a name to the container')
    .option('-e, --env <list>', 'Set environment variables', flagParser('-e, --env', collectEnv))
    .option('--env-file <list>', 'Read in a file of environment variables', collect)
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--entrypoint <string>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-l, --label <list>', 'Set meta data on a container', collect)
    .option('--label-file <list>', 'Read in a line delimited file of labels', collect)
    .option('--network <network>', 'Connect a container to a network')
    .option('--net <network>', 'Connect a container to a network')
    .option('--network-alias <list>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('-h, --hostname <string>', 'Container host name')
    .option('--domainname <string>', 'Container NIS domain name')
    .option('--runtime <string>', 'Runtime to use for this container')
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option('--stop-timeout <int>', 'Timeout (in seconds) to stop a container', int('--stop-timeout'))
    .option('--restart <string>', 'Restart policy to apply when a container exits', 'no')
    .option('--init', 'Run an init inside the container that forwards signals and reaps processes')
    .option('--privileged', 'Give extended privileges to this container')
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('-m, --memory <bytes>', 'Memory limit', bytes('-m, --memory'))
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", flagParser('--memory-swap', (v: string) => (v === '-1' ? -1 : parseRamBytes(v))))
    .option('--memory-reservation <bytes>', 'Memory soft limit', bytes('--memory-reservation'))
    .option('--cpus <decimal>', 'Number of CPUs', flagParser('--cpus', (v: string) => parseNanoCpus(v)))
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)', int('-c, --cpu-shares'))
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)', int('--pids-limit'))
    .option('-p, --publish <list>', "Publish a container's port(s) to the host", collect)
    .option('-P, --publish-all', 'Publish all exposed ports to random ports')
    .option('--expose <list>', 'Expose a port or a range of ports', collect)
    .option('-v, --volume <list>', 'Bind mount a volume', collect)
    .option('--tmpfs <list>', 'Mount a tmpfs directory', collect)
    .option('--mount <mount>', 'Attach a filesystem mount to the container', flagParser('--mount', (v: string, prev: MountSpec[] | undefined) => [...(prev ?? []), parseMountSpec(v)]))
    .option('--volumes-from <list>', 'Mount volumes from the specified container(s)', collect)
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--add-host <list>', 'Add a custom host-to-IP mapping (host:ip)', collect)
    .option('--dns <list>', 'Set custom DNS servers', collect)
    .option('--dns-search <list>', 'Set custom DNS search domains', collect)
    .option('--dns-option <list>', 'Set DNS options', collect)
    .option('--cap-add <list>', 'Add Linux capabilities', collect)
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect)
    .option('--security-opt <list>', 'Security Options', collect)
    .option('--shm-size <bytes>', 'Size of /dev/shm', bytes('--shm-size'))
    .option('--log-driver <string>', 'Logging driver for the container')
    .option('--log-opt <list>', 'Log driver options', collect)
    .option('--ulimit <ulimit>', 'Ulimit options', collect)
    .option('--group-add <list>', 'Add additional groups to join', collect)
    .option('--pid <string>', 'PID namespace to use')
    .option('--ipc <string>', 'IPC mode to use')
    .option('--uts <string>', 'UTS namespace to use')
    .option('--userns <string>', 'User namespace to use')
    .option('--cgroupns <string>', 'Cgroup namespace to use (host|private)')
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h) (default 0s)')
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)')
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy', int('--health-retries'))
    .option('--health-start-period <duration>', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)')
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .option('--oom-kill-disable', 'Disable OOM Killer')
    .option('--pull <string>', 'Pull image before creating ("always", "missing", "never")', 'missing');
}

/** docker validates `-e` while parsing flags: a name is required. */
function collectEnv(value: string, previous: string[] | undefined): string[] {
  if (value.startsWith('=')) throw new Error(`invalid environment variable: ${value}`);
  return collect(value, previous);
}

function attachCollect(value: string, previous: string[] | undefined): string[] {
  const stream = value.toLowerCase();
  if (!['stdin', 'stdout', 'stderr'].includes(stream)) throw new Error(`valid streams are STDIN, STDOUT and STDERR`);
  return [...(previous ?? []), stream];
}
