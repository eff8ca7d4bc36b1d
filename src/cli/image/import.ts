import { createReadStream } from 'node:fs';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { collect } from '../options/collect.js';
import { StatusError } from '../status-error.js';
import { parseImageReference } from './image-reference.js';
import { printJsonMessages } from './print-json-messages.js';

/** `berth import [-c CHANGE] [-m MSG] file|- [REPOSITORY[:TAG]]`: the tarball is streamed. */
export function imageImportCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'import', description: 'Import the contents from a tarball to create a filesystem image', usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]' })
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable');
  return onAction<{ change?: string[]; message?: string; platform?: string }>(cmd, ctx, { args: { min: 1, max: 2 }, run: async ([source, ref], opts) => {
    if (ref !== undefined) {
      try {
        parseImageReference(ref);
      } catch (err) {
        throw new StatusError(1, `${(err as Error).message}\n`);
      }
    }
    if (/^https?:\/\//.test(source!)) throw new StatusError(1, 'importing from a URL is not supported by berth\n');
    const input = source === '-' ? ctx.streams.stdin : createReadStream(source!);
    await new Promise<void>((resolve, reject) => {
      if (input === ctx.streams.stdin) return resolve();
      input.once('open', () => resolve());
      input.once('error', (err: NodeJS.ErrnoException) =>
        reject(new StatusError(1, `open ${source}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}\n`)),
      );
    });
    const messages = ctx.client.images.import({ source: input, repo: ref, changes: opts.change, message: opts.message, platform: opts.platform });
    await printJsonMessages(messages, ctx.streams.stdout);
  } });
}
