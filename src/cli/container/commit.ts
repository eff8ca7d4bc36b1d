import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { normalizedName, parseImageReference } from '../image/image-reference.js';
import { onAction } from '../on-action.js';
import { collect } from '../options/collect.js';
import { StatusError } from '../status-error.js';

/** `berth commit [-a A] [-c CHANGE] [-m MSG] [-p=false] CONTAINER [REPOSITORY[:TAG]]`: prints the new image id. */
export function commitCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'commit', description: "Create a new image from a container's changes", usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]' })
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Commit message')
    .option('-p, --pause [bool]', 'Pause container during commit (default true)');
  return onAction<{ author?: string; change?: string[]; message?: string; pause?: boolean | string }>(cmd, ctx, { args: { min: 1, max: 2 }, run: async ([container, target], opts) => {
    let repo: string | undefined;
    let tag: string | undefined;
    if (target !== undefined) {
      let ref;
      try {
        ref = parseImageReference(target);
      } catch (err) {
        throw new StatusError(1, `${(err as Error).message}\n`);
      }
      if (ref.digest !== undefined) throw new StatusError(1, 'refusing to create a tag with a digest reference\n');
      repo = normalizedName(ref);
      tag = ref.tag;
    }
    const pause = opts.pause !== false && opts.pause !== 'false';
    const r = await ctx.client.images.commit(container!, { repo, tag, comment: opts.message, author: opts.author, pause, changes: opts.change });
    ctx.out(`${r.Id}\n`);
  } });
}
