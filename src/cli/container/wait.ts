import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { forEachContainer } from './for-each-container.js';

/** `berth wait CONTAINER...`: prints each exit code. */
export function waitCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'wait', description: 'Block until one or more containers stop, then print their exit codes', usage: 'CONTAINER [CONTAINER...]' });
  return onAction(cmd, ctx, { args: { min: 1 }, run: (names) =>
    forEachContainer(ctx, names, { run: async (name) => {
      const result = await ctx.client.containers.wait(name).result;
      if (result.Error?.Message) throw new Error(result.Error.Message);
      return String(result.StatusCode);
    } }) });
}
