import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { writeInspect } from '../format/write-inspect.js';

/** `berth container inspect [-f FORMAT] [-s] CONTAINER...` */
export function inspectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'inspect', description: 'Display detailed information on one or more containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes');
  return onAction<{ format?: string; size?: boolean }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) =>
      writeInspect(ctx, { names, format: opts.format, fetch: async (name) => ({ json: await ctx.client.containers.inspectRaw(name, { size: opts.size }), kind: 'container' }) }),
  });
}
