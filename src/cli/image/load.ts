import { createReadStream } from 'node:fs';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { displayJsonMessages } from './display-json-messages.js';

/** `berth load [-i FILE] [-q]`: a Docker archive or OCI layout tar from a file or stdin. */
export function imageLoadCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'load', description: 'Load an image from a tar archive or STDIN', usage: '[OPTIONS]' })
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output');
  return onAction<{ input?: string; quiet?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    if (!opts.input && ctx.streams.stdin.isTTY) {
      throw new StatusError(1, 'requested load from stdin, but stdin is empty\n');
    }
    const input = opts.input ? createReadStream(opts.input) : ctx.streams.stdin;
    if (opts.input) {
      await new Promise<void>((resolve, reject) => {
        input.once('open', () => resolve());
        input.once('error', (err: NodeJS.ErrnoException) =>
          reject(new StatusError(1, `open ${opts.input}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}\n`)),
        );
      });
    }
    await displayJsonMessages(ctx.client.images.load(input, { quiet: opts.quiet }), ctx.streams.stdout);
  } });
}
