import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { displayJsonMessages } from './display-json-messages.js';
import { familiarString, normalizedName, parseImageReference, withDefaultTag } from './image-reference.js';
import { registryAuthHeader } from './registry-auth.js';

/** `berth push [-a] [-q] NAME[:TAG]`: `latest` unless a tag or -a is given, as docker 20.10+ does. */
export function imagePushCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'push', description: 'Upload an image to a registry', usage: '[OPTIONS] NAME[:TAG]' })
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--disable-content-trust', 'Skip image signing (default true)')
    .option('-q, --quiet', 'Suppress verbose output');
  return onAction<{ allTags?: boolean; quiet?: boolean }>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    let ref;
    try {
      ref = parseImageReference(name!);
    } catch (err) {
      throw new StatusError(1, `${(err as Error).message}\n`);
    }
    if (opts.allTags && ref.tag !== undefined) throw new StatusError(1, 'tag can\'t be used with --all-tags/-a\n');
    if (ref.digest !== undefined) throw new StatusError(1, 'cannot push a digest reference\n');
    if (!opts.allTags) ref = withDefaultTag(ref);
    const messages = ctx.client.images.push(normalizedName(ref), { tag: ref.tag, registryAuth: await registryAuthHeader(ctx, ref.domain) });
    if (opts.quiet) {
      for await (const m of messages) void m;
      ctx.out(`${familiarString(ref)}\n`);
    } else {
      await displayJsonMessages(messages, ctx.streams.stdout);
    }
  } });
}
