import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidArgument } from '../common/errors.js';
import { isLogLevel, type LogLevel } from '../common/log.js';

/** berthd's configuration: dockerd's flags and daemon.json keys for what Berth supports. */
export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  configFile: string;
  defaultRuntime: string;
  /** Extra runtimes: name → path of a program with runc's command line. */
  runtimes: Record<string, string>;
  logLevel: LogLevel;
  cgroupParent: string;
}

export const DEFAULTS: DaemonConfig = {
  hosts: ['unix:///run/berth/berth.sock'],
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  pidfile: '/run/berth/berthd.pid',
  configFile: '/etc/berth/daemon.json',
  defaultRuntime: 'berth',
  runtimes: {},
  logLevel: 'info',
  cgroupParent: '/berth',
};

export const USAGE = `Usage:	berthd [OPTIONS]

A container engine that speaks the Docker Engine API

Options:
      --add-runtime runtime     Register an additional OCI compatible runtime (name=path)
      --cgroup-parent string    Set parent cgroup for all containers (default "/berth")
      --config-file string      Daemon configuration file (default "/etc/berth/daemon.json")
      --data-root string        Root directory of persistent Berth state (default "/var/lib/berth")
  -D, --debug                   Enable debug mode
      --default-runtime string  Default OCI runtime for containers (default "berth")
      --exec-root string        Root directory for execution state files (default "/run/berth")
  -h, --help                    Print usage
  -H, --host list               Daemon socket(s) to connect to
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string          Path to use for daemon PID file (default "/run/berth/berthd.pid")
  -v, --version                 Print version information and quit
`;

/** Normalizes -H values as dockerd does: a bare path is a UNIX socket, host:port is TCP. */
export function normalizeHost(h: string): string {
  if (h.startsWith('unix://') || h.startsWith('tcp://')) return h;
  if (h.startsWith('/')) return `unix://${h}`;
  if (h.startsWith('fd://')) throw new InvalidArgument('fd:// hosts (socket activation) are not supported');
  return `tcp://${h.includes(':') ? h : `${h}:2375`}`;
}

interface FileConfig {
  hosts?: string[];
  'data-root'?: string;
  'exec-root'?: string;
  pidfile?: string;
  'default-runtime'?: string;
  runtimes?: Record<string, { path: string }>;
  'log-level'?: string;
  debug?: boolean;
  'cgroup-parent'?: string;
}

const fileKeys: Record<string, string> = {
  hosts: 'host', 'data-root': 'data-root', 'exec-root': 'exec-root', pidfile: 'pidfile', 'default-runtime': 'default-runtime',
  'log-level': 'log-level', debug: 'debug', 'cgroup-parent': 'cgroup-parent', runtimes: 'add-runtime',
};

export type ParsedArgs = { config: DaemonConfig; help: boolean; version: boolean };

/** Parses berthd's command line and config file; a directive given in both is an error, as in dockerd. */
export function parseDaemonArgs(argv: string[], readFile: (p: string) => string | undefined = tryRead): ParsedArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', short: 'H', multiple: true },
      'data-root': { type: 'string' },
      'exec-root': { type: 'string' },
      pidfile: { type: 'string', short: 'p' },
      'config-file': { type: 'string' },
      'default-runtime': { type: 'string' },
      'add-runtime': { type: 'string', multiple: true },
      'log-level': { type: 'string', short: 'l' },
      'cgroup-parent': { type: 'string' },
      debug: { type: 'boolean', short: 'D' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
  const configFile = values['config-file'] ?? DEFAULTS.configFile;
  const text = readFile(configFile);
  if (text === undefined && values['config-file'] !== undefined) {
    throw new InvalidArgument(`unable to configure the Berth daemon with file ${configFile}: open ${configFile}: no such file or directory`);
  }
  let file: FileConfig = {};
  if (text !== undefined && text.trim() !== '') {
    try {
      file = JSON.parse(text) as FileConfig;
    } catch (err) {
      throw new InvalidArgument(`unable to configure the Berth daemon with file ${configFile}: ${(err as Error).message}`);
    }
  }
  const both = Object.keys(file).filter((k) => fileKeys[k] && (values as Record<string, unknown>)[fileKeys[k]!] !== undefined);
  if (both.length) {
    throw new InvalidArgument(
      `unable to configure the Berth daemon with file ${configFile}: the following directives are specified both as a flag and in the configuration file: ${both.map((k) => `${k}: (from flag: ${JSON.stringify((values as Record<string, unknown>)[fileKeys[k]!])}, from file: ${JSON.stringify((file as Record<string, unknown>)[k])})`).join(', ')}`,
    );
  }
  const runtimes: Record<string, string> = {};
  for (const [name, r] of Object.entries(file.runtimes ?? {})) runtimes[name] = r.path;
  for (const r of values['add-runtime'] ?? []) {
    const i = r.indexOf('=');
    if (i <= 0) throw new InvalidArgument(`invalid runtime "${r}": expected name=path`);
    runtimes[r.slice(0, i)] = r.slice(i + 1);
  }
  const debug = values.debug ?? file.debug ?? false;
  const level = values['log-level'] ?? file['log-level'] ?? (debug ? 'debug' : DEFAULTS.logLevel);
  if (!isLogLevel(level)) throw new InvalidArgument(`unable to parse logging level: ${level}`);
  const config: DaemonConfig = {
    hosts: (values.host ?? file.hosts ?? DEFAULTS.hosts).map(normalizeHost),
    dataRoot: values['data-root'] ?? file['data-root'] ?? DEFAULTS.dataRoot,
    execRoot: values['exec-root'] ?? file['exec-root'] ?? DEFAULTS.execRoot,
    pidfile: values.pidfile ?? file.pidfile ?? DEFAULTS.pidfile,
    configFile,
    defaultRuntime: values['default-runtime'] ?? file['default-runtime'] ?? DEFAULTS.defaultRuntime,
    runtimes,
    logLevel: level,
    cgroupParent: values['cgroup-parent'] ?? file['cgroup-parent'] ?? DEFAULTS.cgroupParent,
  };
  return { config, help: values.help ?? false, version: values.version ?? false };
}

function tryRead(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
