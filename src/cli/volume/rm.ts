import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth volume rm [-f] VOLUME...` */
export function volumeRmCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'rm', description: 'Remove one or more volumes', usage: '[OPTIONS] VOLUME [VOLUME...]' })
    .option('-f, --force', 'Force the removal of one or more volumes');
  return onAction<{ force?: boolean }>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    const errors: string[] = [];
    for (const name of names) {
      try {
        await ctx.client.volumes.remove(name, { force: opts.force });
        ctx.out(`${name}\n`);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
  } });
}
