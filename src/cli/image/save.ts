import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth save [-o FILE] IMAGE...`: the archive to a file or to a stdout that is not a terminal. */
export function imageSaveCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'save', description: 'Save one or more images to a tar archive (streamed to STDOUT by default)', usage: '[OPTIONS] IMAGE [IMAGE...]' })
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT');
  return onAction<{ output?: string }>(cmd, ctx, { args: { min: 1 }, run: async (names, opts) => {
    if (!opts.output && ctx.streams.stdout.isTTY) {
      throw new StatusError(1, 'Cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
    }
    const tar = await ctx.client.images.save(names);
    const out = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : ctx.streams.stdout;
    await pipeline(tar, out, { end: Boolean(opts.output) });
  } });
}
