import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth network rm NETWORK...`: prints each name removed, as docker does. */
export function networkRmCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'rm', description: 'Remove one or more networks', usage: 'NETWORK [NETWORK...]' })
    .option('-f, --force', 'Do not error if the network does not exist');
  return onAction<{ force?: boolean }>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    const errors: string[] = [];
    for (const name of names) {
      try {
        await ctx.client.networks.remove(name);
        ctx.out(`${name}\n`);
      } catch (err) {
        const msg = (err as Error).message;
        if (!(opts.force && /not found/.test(msg))) errors.push(msg);
      }
    }
    if (errors.length) throw new StatusError(1, `${errors.join('\n')}\n`);
  } });
}
