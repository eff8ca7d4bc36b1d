import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { writeInspect } from '../format/write-inspect.js';

/** `berth image inspect [-f FORMAT] IMAGE...` */
export function imageInspectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'inspect', description: 'Display detailed information on one or more images', usage: '[OPTIONS] IMAGE [IMAGE...]' })
    .option('-f, --format <string>', 'Format output using a custom template');
  return onAction<{ format?: string }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) => writeInspect(ctx, { names, format: opts.format, fetch: async (name) => ({ json: await ctx.client.images.inspectRaw(name), kind: 'image' }) }),
  });
}
