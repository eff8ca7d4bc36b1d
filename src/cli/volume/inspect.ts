import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { writeInspect } from '../format/write-inspect.js';
import { onAction } from '../on-action.js';

/** `berth volume inspect [-f FORMAT] VOLUME...` */
export function volumeInspectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'inspect', description: 'Display detailed information on one or more volumes', usage: '[OPTIONS] VOLUME [VOLUME...]' })
    .option('-f, --format <string>', 'Format output using a custom template');
  return onAction<{ format?: string }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) => writeInspect(ctx, { names, format: opts.format, fetch: async (name) => ({ json: await ctx.client.volumes.inspectRaw(name), kind: 'volume' }) }),
  });
}
