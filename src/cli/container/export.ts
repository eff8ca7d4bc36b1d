import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar. */
export function exportCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'export', description: "Export a container's filesystem as a tar archive", usage: '[OPTIONS] CONTAINER' })
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT');
  return onAction<{ output?: string }>(cmd, ctx, { args: { exact: 1 }, run: async ([container], opts) => {
    if (!opts.output && ctx.streams.stdout.isTTY) {
      throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
    }
    const tar = await ctx.client.images.export(container!);
    const out = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : ctx.streams.stdout;
    await pipeline(tar, out, { end: Boolean(opts.output) });
  } });
}
