import { ApiError } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { writeInspect } from '../format/write-inspect.js';
import { StatusError } from '../status-error.js';

const TYPES = ['container', 'image'] as const;

/** `berth inspect [--type T] [-s] [-f FORMAT] NAME|ID...`: containers first, then images. */
export function inspectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'inspect', description: 'Return low-level information on Docker objects', usage: '[OPTIONS] NAME|ID [NAME|ID...]' })
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type');
  return onAction<{ format?: string; size?: boolean; type?: string }>(cmd, ctx, { args: { min: 1 }, run: (names, opts) => {
    if (opts.type !== undefined && !(TYPES as readonly string[]).includes(opts.type)) {
      throw new StatusError(1, `"${opts.type}" is not a valid value for --type\n`);
    }
    const fetchers = {
      container: (name: string) => ctx.client.containers.inspectRaw(name, { size: opts.size }),
      image: (name: string) => ctx.client.images.inspectRaw(name),
    };
    return writeInspect(ctx, { names, format: opts.format, fetch: async (name) => {
      if (opts.type) {
        const kind = opts.type as keyof typeof fetchers;
        return { json: await fetchers[kind](name), kind };
      }
      for (const kind of TYPES) {
        try {
          return { json: await fetchers[kind](name), kind };
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        }
      }
      throw new Error(`Error: No such object: ${name}`);
    } });
  } });
}
