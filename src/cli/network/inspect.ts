import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { writeInspect } from '../format/write-inspect.js';
import { onAction } from '../on-action.js';

/** `berth network inspect [-f FORMAT] NETWORK...` */
export function networkInspectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'inspect', description: 'Display detailed information on one or more networks', usage: '[OPTIONS] NETWORK [NETWORK...]' })
    .option('-f, --format <string>', 'Format output using a custom template');
  return onAction<{ format?: string }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) => writeInspect(ctx, { names, format: opts.format, fetch: async (name) => ({ json: await ctx.client.networks.inspectRaw(name), kind: 'network' }) }),
  });
}
