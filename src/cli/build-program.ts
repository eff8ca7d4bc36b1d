import { BerthCommand, CLI_NAME, configureCommand, newGroupCommand } from './berth-command.js';
import { BERTH_GIT_COMMIT, BERTH_VERSION } from './berth-version.js';
import type { CliContext } from './cli-context.js';
import { StatusError } from './status-error.js';
import { attachCommand } from './container/attach.js';
import { commitCommand } from './container/commit.js';
import { createCommand } from './container/create.js';
import { cpCommand } from './container/cp.js';
import { diffCommand } from './container/diff.js';
import { execCommand } from './container/exec.js';
import { exportCommand } from './container/export.js';
import { inspectCommand as containerInspectCommand } from './container/inspect.js';
import { killCommand } from './container/kill.js';
import { logsCommand } from './container/logs.js';
import { lsCommand } from './container/ls.js';
import { pauseCommand } from './container/pause.js';
import { portCommand } from './container/port.js';
import { pruneCommand } from './container/prune.js';
import { renameCommand } from './container/rename.js';
import { restartCommand } from './container/restart.js';
import { rmCommand } from './container/rm.js';
import { runCommand } from './container/run.js';
import { startCommand } from './container/start.js';
import { statsCommand } from './container/stats.js';
import { stopCommand } from './container/stop.js';
import { topCommand } from './container/top.js';
import { unpauseCommand } from './container/unpause.js';
import { updateCommand } from './container/update.js';
import { waitCommand } from './container/wait.js';
import { buildCommand } from './image/build.js';
import { builderPruneCommand } from './image/builder-prune.js';
import { imageHistoryCommand } from './image/history.js';
import { imageImportCommand } from './image/import.js';
import { imageLoadCommand } from './image/load.js';
import { imageInspectCommand } from './image/inspect.js';
import { imageLsCommand } from './image/ls.js';
import { imagePruneCommand } from './image/prune.js';
import { imagePullCommand } from './image/pull.js';
import { imagePushCommand } from './image/push.js';
import { imageRmCommand } from './image/rm.js';
import { imageSaveCommand } from './image/save.js';
import { imageTagCommand } from './image/tag.js';
import { loginCommand, logoutCommand } from './registry/login.js';
import { networkConnectCommand, networkDisconnectCommand } from './network/connect.js';
import { networkCreateCommand } from './network/create.js';
import { networkInspectCommand } from './network/inspect.js';
import { networkLsCommand } from './network/ls.js';
import { networkPruneCommand } from './network/prune.js';
import { networkRmCommand } from './network/rm.js';
import { systemDfCommand } from './system/df.js';
import { eventsCommand } from './system/events.js';
import { infoCommand } from './system/info.js';
import { inspectCommand } from './system/inspect.js';
import { versionCommand } from './system/version.js';
import { volumeCreateCommand } from './volume/create.js';
import { volumeInspectCommand } from './volume/inspect.js';
import { volumeLsCommand } from './volume/ls.js';
import { volumePruneCommand } from './volume/prune.js';
import { volumeRmCommand } from './volume/rm.js';

type CommandFactory = (ctx: CliContext) => BerthCommand;

/**
 * `container <verb>` commands: [factory, top-level name (if also offered there), aliases
 * inside the group].
 */
const CONTAINER_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [attachCommand, 'attach'],
  [commitCommand, 'commit'],
  [cpCommand, 'cp'],
  [createCommand, 'create'],
  [diffCommand, 'diff'],
  [execCommand, 'exec'],
  [exportCommand, 'export'],
  [containerInspectCommand, undefined],
  [killCommand, 'kill'],
  [logsCommand, 'logs'],
  [lsCommand, 'ps', ['ps', 'list']],
  [pauseCommand, 'pause'],
  [portCommand, 'port'],
  [pruneCommand, undefined],
  [renameCommand, 'rename'],
  [restartCommand, 'restart'],
  [rmCommand, 'rm', ['remove']],
  [runCommand, 'run'],
  [startCommand, 'start'],
  [statsCommand, 'stats'],
  [stopCommand, 'stop'],
  [topCommand, 'top'],
  [unpauseCommand, 'unpause'],
  [updateCommand, 'update'],
  [waitCommand, 'wait'],
];

const IMAGE_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [buildCommand, 'build'],
  [imageHistoryCommand, 'history'],
  [imageImportCommand, 'import'],
  [imageLoadCommand, 'load'],
  [imageInspectCommand, undefined],
  [imageLsCommand, 'images', ['list']],
  [imagePruneCommand, undefined],
  [imagePullCommand, 'pull'],
  [imagePushCommand, 'push'],
  [imageRmCommand, 'rmi', ['remove']],
  [imageSaveCommand, 'save'],
  [imageTagCommand, 'tag'],
];

const BUILDER_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [builderPruneCommand, undefined],
];

const VOLUME_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [volumeCreateCommand, undefined],
  [volumeInspectCommand, undefined],
  [volumeLsCommand, undefined, ['list']],
  [volumePruneCommand, undefined],
  [volumeRmCommand, undefined, ['remove']],
];

const NETWORK_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [networkConnectCommand, undefined],
  [networkCreateCommand, undefined],
  [networkDisconnectCommand, undefined],
  [networkInspectCommand, undefined],
  [networkLsCommand, undefined, ['list']],
  [networkPruneCommand, undefined],
  [networkRmCommand, undefined, ['remove']],
];

const SYSTEM_COMMANDS: [CommandFactory, string | undefined, string[]?][] = [
  [systemDfCommand, undefined],
  [eventsCommand, 'events'],
];

const TOP_LEVEL_COMMANDS: CommandFactory[] = [inspectCommand, versionCommand, infoCommand, loginCommand, logoutCommand];

/** The whole command tree: `berth [OPTIONS] COMMAND`, with docker's global flags. */
export function buildProgram(ctx: CliContext): BerthCommand {
  const program = new BerthCommand(CLI_NAME);
  configureCommand(program);
  // only the root has -h for help; below it -h is --hostname
  program.helpOption('-h, --help', 'Print usage');
  program.argsUsage = '[OPTIONS] COMMAND';
  program
    .description('A self-sufficient runtime for containers')
    .usage('[OPTIONS] COMMAND')
    .enablePositionalOptions(true)
    .allowExcessArguments(true)
    .argument('[command...]')
    .option('-H, --host <list>', 'Daemon socket to connect to')
    .option('-D, --debug', 'Enable debug mode')
    .option('-l, --log-level <string>', 'Set the logging level ("debug", "info", "warn", "error", "fatal")')
    .option('--config <string>', 'Location of client config files')
    .option('-c, --context <string>', 'Name of the context to use to connect to the daemon')
    .option('-v, --version', 'Print version information and quit');
  program.hook('preSubcommand', (root) => {
    ctx.host = root.opts<{ host?: string }>().host;
  });
  program.action(() => {
    if (program.opts<{ version?: boolean }>().version) {
      ctx.out(`Berth version ${BERTH_VERSION}, build ${BERTH_GIT_COMMIT}\n`);
      return;
    }
    const [unknown] = program.args;
    if (unknown !== undefined) {
      throw new StatusError(1, `${CLI_NAME}: unknown command: ${CLI_NAME} ${unknown}\n\nRun '${CLI_NAME} --help' for more information\n`);
    }
    ctx.out(program.helpInformation());
  });

  const groups = [
    [newGroupCommand('container', 'Manage containers', (t) => ctx.err(t)), CONTAINER_COMMANDS],
    [newGroupCommand('image', 'Manage images', (t) => ctx.err(t)), IMAGE_COMMANDS],
    [newGroupCommand('network', 'Manage networks', (t) => ctx.err(t)), NETWORK_COMMANDS],
    [newGroupCommand('system', 'Manage Docker', (t) => ctx.err(t)), SYSTEM_COMMANDS],
    [newGroupCommand('volume', 'Manage volumes', (t) => ctx.err(t)), VOLUME_COMMANDS],
    [newGroupCommand('builder', 'Manage builds', (t) => ctx.err(t)), BUILDER_COMMANDS],
  ] as const;
  for (const [group, commands] of groups) {
    for (const [make, topLevel, aliases] of commands) {
      group.addCommand(make(ctx).aliases(aliases ?? []));
      if (topLevel) program.addCommand(make(ctx).name(topLevel));
    }
  }
  for (const make of TOP_LEVEL_COMMANDS) program.addCommand(make(ctx));
  for (const [group] of groups) program.addCommand(group);
  return program;
}
