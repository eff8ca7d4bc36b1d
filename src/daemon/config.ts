import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgument } from '../common/errors.js';
import { isLogLevel, type LogLevel } from '../common/log.js';
import { parseAddressPool, type AddressPool } from '../network/choose-subnet.js';

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
  /** Registries spoken to in plain HTTP (`host:port` or a CIDR), besides loopback ones. */
  insecureRegistries: string[];
  /** The only registries berthd may contact (`host[:port]` or a CIDR); empty: any. */
  allowedRegistries: string[];
  /** The group that owns the UNIX sockets (-G/--group); '' leaves them to root alone. */
  group: string;
  tls: TlsConfig;
  /** The default log driver of containers (--log-driver, daemon.json log-driver). */
  logDriver: string;
  /** Its default options (--log-opt k=v, daemon.json log-opts). */
  logOpts: Record<string, string>;
  /** The Linux bridge of the default network (-b/--bridge). */
  bridge: string;
  /** The default bridge's address and prefix (--bip); '' picks a subnet no route uses. */
  bip: string;
  /** Where network subnets are chosen from (--default-address-pool); empty: Docker's pools. */
  defaultAddressPools: AddressPool[];
}

/**
 * dockerd's TLS settings for TCP listeners. `enabled` and `verify` are undefined when neither a
 * flag nor the config file set them: whether plain TCP may leave loopback depends on whether the
 * operator said so explicitly (--tls=false or --tlsverify=false), as in dockerd.
 */
export interface TlsConfig {
  /** --tls: encrypt; implied by --tlsverify (either value of it, as in dockerd). */
  enabled: boolean | undefined;
  /** --tlsverify: only clients with a certificate signed by `caCert` get in. */
  verify: boolean | undefined;
  caCert: string;
  cert: string;
  key: string;
}

/** dockerd's defaults for the TLS files: $DOCKER_CERT_PATH or ~/.docker. */
function certDir(): string {
  return process.env.DOCKER_CERT_PATH || join(homedir(), '.docker');
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
  insecureRegistries: [],
  allowedRegistries: [],
  group: 'docker',
  tls: { enabled: undefined, verify: undefined, caCert: '', cert: '', key: '' },
  logDriver: 'json-file',
  logOpts: {},
  bridge: 'berth0',
  bip: '',
  defaultAddressPools: [],
};

export const USAGE = `Usage:	berthd [OPTIONS]

A container engine that speaks the Docker Engine API

Options:
      --allow-registry list     Contact only these registries (host[:port] or CIDR; default: any)
      --add-runtime runtime     Register an additional OCI compatible runtime (name=path)
  -b, --bridge string           Attach containers to a network bridge (default "berth0")
      --bip string              Specify network bridge IP (default: a free subnet)
      --default-address-pool pool-options  Default address pools for node specific local networks (base=CIDR,size=N)
      --cgroup-parent string    Set parent cgroup for all containers (default "/berth")
      --config-file string      Daemon configuration file (default "/etc/berth/daemon.json")
      --data-root string        Root directory of persistent Berth state (default "/var/lib/berth")
  -D, --debug                   Enable debug mode
  -G, --group string            Group for the unix socket (default "docker")
      --default-runtime string  Default OCI runtime for containers (default "berth")
      --exec-root string        Root directory for execution state files (default "/run/berth")
      --insecure-registry list  Enable insecure registry communication
  -h, --help                    Print usage
  -H, --host list               Daemon socket(s) to connect to
      --log-driver string       Default driver for container logs (default "json-file")
      --log-opt map             Default log driver options for containers (default max-size=10m, max-file=3)
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string          Path to use for daemon PID file (default "/run/berth/berthd.pid")
      --tls                     Use TLS; implied by --tlsverify
      --tlscacert string        Trust certs signed only by this CA (default "~/.docker/ca.pem")
      --tlscert string          Path to TLS certificate file (default "~/.docker/cert.pem")
      --tlskey string           Path to TLS key file (default "~/.docker/key.pem")
      --tlsverify               Use TLS and verify the remote
  -v, --version                 Print version information and quit

Plain TCP (no --tlsverify) listens only on loopback addresses unless --tls=false or
--tlsverify=false says explicitly that anyone who reaches the port may control this machine.
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
  'insecure-registries'?: string[];
  'allowed-registries'?: string[];
  group?: string;
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  'log-driver'?: string;
  'log-opts'?: Record<string, string>;
  bridge?: string;
  bip?: string;
  'default-address-pools'?: AddressPool[];
}

const fileKeys: Record<string, string> = {
  hosts: 'host', 'data-root': 'data-root', 'exec-root': 'exec-root', pidfile: 'pidfile', 'default-runtime': 'default-runtime',
  'log-level': 'log-level', debug: 'debug', 'cgroup-parent': 'cgroup-parent', runtimes: 'add-runtime',
  'insecure-registries': 'insecure-registry', 'allowed-registries': 'allow-registry',
  group: 'group', 'log-driver': 'log-driver', 'log-opts': 'log-opt', tls: 'tls', tlsverify: 'tlsverify', tlscacert: 'tlscacert', tlscert: 'tlscert', tlskey: 'tlskey',
  bridge: 'bridge', bip: 'bip', 'default-address-pools': 'default-address-pool',
};

const BOOL_FLAGS = ['tls', 'tlsverify'];

/** Go's strconv.ParseBool, which dockerd's --flag=value takes. */
function parseGoBool(flag: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new InvalidArgument(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/**
 * Takes dockerd's boolean flags out of argv: bare (--tls) or with a value (--tls=false), which
 * util.parseArgs does not read. The value matters: --tls=false is how plain TCP is allowed
 * beyond loopback.
 */
function takeBoolFlags(argv: string[]): { rest: string[]; bools: Record<string, boolean> } {
  const rest: string[] = [];
  const bools: Record<string, boolean> = {};
  for (const a of argv) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(a);
    if (m && BOOL_FLAGS.includes(m[1]!)) bools[m[1]!] = m[2] === undefined ? true : parseGoBool(m[1]!, m[2]);
    else rest.push(a);
  }
  return { rest, bools };
}

export type ParsedArgs = { config: DaemonConfig; help: boolean; version: boolean };

/** Parses berthd's command line and config file; a directive given in both is an error, as in dockerd. */
export function parseDaemonArgs(argv: string[], readFile: (p: string) => string | undefined = tryRead): ParsedArgs {
  const { rest, bools } = takeBoolFlags(argv);
  const { values: parsed } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string', short: 'H', multiple: true },
      'data-root': { type: 'string' },
      'exec-root': { type: 'string' },
      pidfile: { type: 'string', short: 'p' },
      'config-file': { type: 'string' },
      'default-runtime': { type: 'string' },
      'add-runtime': { type: 'string', multiple: true },
      'log-level': { type: 'string', short: 'l' },
      'log-driver': { type: 'string' },
      'log-opt': { type: 'string', multiple: true },
      'cgroup-parent': { type: 'string' },
      'insecure-registry': { type: 'string', multiple: true },
      'allow-registry': { type: 'string', multiple: true },
      group: { type: 'string', short: 'G' },
      tlscacert: { type: 'string' },
      tlscert: { type: 'string' },
      tlskey: { type: 'string' },
      bridge: { type: 'string', short: 'b' },
      bip: { type: 'string' },
      'default-address-pool': { type: 'string', multiple: true },
      debug: { type: 'boolean', short: 'D' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
  const values = { ...parsed, ...bools };
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
    insecureRegistries: values['insecure-registry'] ?? file['insecure-registries'] ?? DEFAULTS.insecureRegistries,
    allowedRegistries: values['allow-registry'] ?? file['allowed-registries'] ?? DEFAULTS.allowedRegistries,
    group: values.group ?? file.group ?? DEFAULTS.group,
    tls: tlsConfig(values, file),
    logDriver: values['log-driver'] ?? file['log-driver'] ?? DEFAULTS.logDriver,
    logOpts: values['log-opt'] ? keyValues(values['log-opt'], 'log-opt') : (file['log-opts'] ?? DEFAULTS.logOpts),
    bridge: values.bridge ?? file.bridge ?? DEFAULTS.bridge,
    bip: values.bip ?? file.bip ?? DEFAULTS.bip,
    defaultAddressPools: values['default-address-pool']?.map(parseAddressPool)
      ?? file['default-address-pools']?.map((p) => parseAddressPool(`base=${p.base},size=${p.size}`)) ?? DEFAULTS.defaultAddressPools,
  };
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(config.bridge)) throw new InvalidArgument(`invalid bridge name "${config.bridge}": 1 to 15 letters, digits, '_', '.' or '-'`);
  return { config, help: values.help ?? false, version: values.version ?? false };
}

function tlsConfig(values: { tls?: boolean; tlsverify?: boolean; tlscacert?: string; tlscert?: string; tlskey?: string }, file: FileConfig): TlsConfig {
  const fromEnv = process.env.DOCKER_TLS_VERIFY ? true : undefined;
  const verify = values.tlsverify ?? file.tlsverify ?? fromEnv;
  // dockerd: setting tlsverify at all (true or false) turns TLS on.
  const enabled = verify !== undefined ? true : (values.tls ?? file.tls);
  const dir = certDir();
  return {
    enabled,
    verify,
    caCert: values.tlscacert ?? file.tlscacert ?? join(dir, 'ca.pem'),
    cert: values.tlscert ?? file.tlscert ?? join(dir, 'cert.pem'),
    key: values.tlskey ?? file.tlskey ?? join(dir, 'key.pem'),
  };
}

function keyValues(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InvalidArgument(`invalid argument "${kv}" for "--${flag}" flag: invalid key-value pair`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function tryRead(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
