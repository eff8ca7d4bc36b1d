import { resolve } from 'node:path';
import { InvalidArgument, messageOf } from '../../common/errors.js';
import { CommandFailed } from './command-failed.js';
import { RUNTIME_SPEC_VERSION } from './container-record.js';
import { commandHelp, programHelp } from './help-text.js';
import type { OciCommand } from './oci-command.js';
import { writeStderr, writeStdout } from './write-stdio.js';
import { type FlagSpec, parseFlags, UsageError } from './parse-flags.js';
import { type LogFormat, RuntimeLog } from './runtime-log.js';

const PROGRAM = 'berth-runtime';
const VERSION = '0.1.0';
const DEFAULT_ROOT = '/run/berth-runtime';

const globalFlags: FlagSpec[] = [
  { names: ['debug'], kind: 'bool', help: 'enable debug logging' },
  { names: ['log'], kind: 'string', help: "set the log file to write berth-runtime logs to (default is '/dev/stderr')" },
  { names: ['log-format'], kind: 'string', help: "set the log format ('text' (default), or 'json')" },
  { names: ['root'], kind: 'string', help: `root directory for storage of container state (default: "${DEFAULT_ROOT}")` },
  { names: ['criu'], kind: 'string', help: 'accepted for runc compatibility; checkpoints are not supported' },
  { names: ['systemd-cgroup'], kind: 'bool', help: 'cgroupsPath is "slice:prefix:name"; the cgroups are still made through cgroupfs' },
  { names: ['rootless'], kind: 'string', help: 'accepted for runc compatibility' },
  { names: ['version', 'v'], kind: 'bool', help: 'print the version' },
];

/** Name and one line of every verb, for the help without loading them all. */
const commandList: [string, string][] = [
  ['create', 'create a container'],
  ['delete', 'delete any resources held by the container often used with detached container'],
  ['events', 'display container events such as OOM notifications, cpu, memory, and IO usage statistics'],
  ['exec', 'execute new process inside the container'],
  ['kill', "kill sends the specified signal (default: SIGTERM) to the container's init process"],
  ['list', 'lists containers started by berth-runtime with the given root'],
  ['pause', 'pause suspends all processes inside the container'],
  ['ps', 'ps displays the processes running inside a container'],
  ['resume', 'resumes all processes that have been previously paused'],
  ['run', 'create and run a container'],
  ['spec', 'create a new specification file'],
  ['start', 'executes the user defined process in a created container'],
  ['state', 'output the state of a container'],
];

const help = { commands: commandList, globals: globalFlags };

/** Loads only the verb asked for: startup time is most of what a runtime call costs. */
async function loadCommand(name: string): Promise<OciCommand | undefined> {
  switch (name) {
    case 'create': return (await import('./create.js')).createCommand;
    case 'delete': return (await import('./delete.js')).deleteCommand;
    case 'events': return (await import('./events.js')).eventsCommand;
    case 'exec': return (await import('./exec.js')).execCommand;
    case 'kill': return (await import('./kill.js')).killCommand;
    case 'list': return (await import('./list.js')).listCommand;
    case 'pause': return (await import('./pause.js')).pauseCommand;
    case 'ps': return (await import('./ps.js')).psCommand;
    case 'resume': return (await import('./resume.js')).resumeCommand;
    case 'run': return (await import('./run.js')).runCommand;
    case 'spec': return (await import('./spec.js')).specCommand;
    case 'start': return (await import('./start.js')).startCommand;
    case 'state': return (await import('./state.js')).stateCommand;
    default: return undefined;
  }
}

function argCountError(cmd: OciCommand, n: number): string | undefined {
  const { min, max } = cmd.args;
  if (min === max && n !== min) return `requires exactly ${min} argument(s)`;
  if (n < min) return `requires a minimum of ${min} argument(s)`;
  if (n > max) return `requires a maximum of ${max} argument(s)`;
  return undefined;
}

/**
 * berth-runtime's command line: `[global options] <command> [command options] <arguments>`, as
 * runc's. Answers the exit status: 0, 1 for errors (255 for exec's own), 3 for an unknown command.
 * An error goes to the log (stderr without --log) and, when the log is a file, to stderr as well.
 */
export async function runOciCli(argv: readonly string[]): Promise<number> {
  let log = new RuntimeLog({ format: 'text', debug: false });
  try {
    let parsed;
    try {
      parsed = parseFlags(argv, globalFlags, { interspersed: false });
    } catch (err) {
      if (err instanceof UsageError) writeStdout(`Incorrect Usage. ${err.message}\n\n${programHelp(PROGRAM, help)}`);
      throw err;
    }
    const g = parsed.flags;
    const format = g.string('log-format') ?? 'text';
    if (format !== 'text' && format !== 'json') throw new InvalidArgument(`invalid log-format: ${format}`);
    const debug = g.bool('debug');
    const logFile = g.string('log');
    log = new RuntimeLog({ ...(logFile ? { file: resolve(logFile) } : {}), format: format as LogFormat, debug });
    if (g.bool('version')) {
      writeStdout(`${PROGRAM} version ${VERSION}\nspec: ${RUNTIME_SPEC_VERSION}\n`);
      return 0;
    }
    const [name, ...rest] = parsed.args;
    if (name === undefined || g.bool('help') || name === 'help' || name === 'h') {
      const topic = name === 'help' || name === 'h' ? rest[0] : undefined;
      const cmd = topic ? await loadCommand(topic) : undefined;
      writeStdout(cmd ? commandHelp(PROGRAM, cmd) : programHelp(PROGRAM, help));
      return 0;
    }
    const cmd = await loadCommand(name);
    if (!cmd) {
      // The newline is urfave/cli's, and so part of runc's message.
      log.error(`No help topic for '${name}'\n`);
      return 3;
    }
    let flags, args;
    try {
      ({ flags, args } = parseFlags(rest, cmd.flags, { interspersed: cmd.interspersed }));
    } catch (err) {
      if (err instanceof UsageError) writeStdout(`Incorrect Usage: ${err.message}\n\n${commandHelp(PROGRAM, cmd)}`);
      throw err;
    }
    if (flags.bool('help')) {
      writeStdout(commandHelp(PROGRAM, cmd));
      return 0;
    }
    const countError = argCountError(cmd, args.length);
    if (countError) {
      writeStdout(`Incorrect Usage.\n\n${commandHelp(PROGRAM, cmd)}`);
      throw new UsageError(`${PROGRAM}: "${cmd.name}" ${countError}`);
    }
    const root = resolve(g.string('root') ?? DEFAULT_ROOT);
    log.debug(`${cmd.name} ${args.join(' ')} (root ${root})`);
    return await cmd.run({ global: { root, systemdCgroup: g.bool('systemd-cgroup'), debug }, log }, args, flags);
  } catch (err) {
    const msg = messageOf(err);
    log.error(msg);
    if (!log.isStderr) writeStderr(`${msg}\n`);
    return err instanceof CommandFailed ? err.exitCode : 1;
  } finally {
    log.close();
  }
}
