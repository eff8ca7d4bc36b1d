import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { terminalSize } from '../stream/monitor-tty-size.js';
import { addContainerFlags, type ContainerFlags } from './container-flags.js';
import { createContainer } from './create-container.js';
import { buildCreateRequest } from './create-request.js';
import { runErrorText } from './run-error-text.js';

/** `berth create`: prints the new container's id. */
export function createCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({
    name: 'create',
    description: 'Create a new container',
    usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    stopAtFirstArg: true,
  });
  addContainerFlags(cmd);
  return onAction<ContainerFlags>(cmd, ctx, { args: { min: 1 }, run: async ([image, ...command], flags) => {
    let request;
    try {
      const size = flags.tty ? terminalSize(ctx.streams.stdout) : undefined;
      request = buildCreateRequest(flags, { image: image!, command, env: ctx.env, detach: false, consoleSize: size ? [size.height, size.width] : [0, 0] });
    } catch (err) {
      if (err instanceof StatusError) throw err;
      throw new StatusError(125, runErrorText(cmd, err));
    }
    const created = await createContainer(ctx, request, { pull: flags.pull });
    ctx.out(`${created.Id}\n`);
  } });
}
