import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth rename CONTAINER NEW_NAME` */
export function renameCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'rename', description: 'Rename a container', usage: 'CONTAINER NEW_NAME' });
  return onAction(cmd, ctx, { args: { exact: 2 }, run: async ([container, name]) => {
    const newName = name!.trim();
    if (container!.trim() === '' || newName === '') throw new StatusError(1, 'Error: neither old nor new names may be empty\n');
    try {
      await ctx.client.containers.rename(container!, newName);
    } catch (err) {
      throw new StatusError(1, `${(err as Error).message}\nError: failed to rename container named ${container}\n`);
    }
  } });
}
