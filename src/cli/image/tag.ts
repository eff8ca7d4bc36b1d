import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { normalizedName, parseImageReference } from './image-reference.js';

/** `berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]` */
export function imageTagCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'tag', description: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]' });
  return onAction(cmd, ctx, { args: { exact: 2 }, run: async ([source, target]) => {
    let ref;
    try {
      ref = parseImageReference(target!);
    } catch (err) {
      throw new StatusError(1, `Error parsing reference: ${JSON.stringify(target)} is not a valid repository/tag: ${(err as Error).message}\n`);
    }
    if (ref.digest !== undefined) throw new StatusError(1, 'refusing to create a tag with a digest reference\n');
    await ctx.client.images.tag(source!, { repo: normalizedName(ref), tag: ref.tag ?? 'latest' });
  } });
}
