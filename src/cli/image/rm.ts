import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth rmi` / `berth image rm [-f] [--no-prune] IMAGE...` */
export function imageRmCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'rm', description: 'Remove one or more images', usage: '[OPTIONS] IMAGE [IMAGE...]' })
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents');
  return onAction<{ force?: boolean; prune?: boolean }>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    const errors: string[] = [];
    for (const name of names) {
      try {
        const items = await ctx.client.images.remove(name, { force: opts.force, noPrune: opts.prune === false });
        for (const item of items ?? []) {
          if (item.Deleted) ctx.out(`Deleted: ${item.Deleted}\n`);
          else if (item.Untagged) ctx.out(`Untagged: ${item.Untagged}\n`);
        }
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
  } });
}
