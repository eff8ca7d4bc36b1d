import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { displayJsonMessages } from './display-json-messages.js';
import { parseImageReference, withDefaultTag } from './image-reference.js';
import { registryAuthHeader } from './registry-auth.js';

/** `berth pull [-a] [--platform P] [-q] NAME[:TAG|@DIGEST]`, with the stored credentials of its registry. */
export function imagePullCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'pull', description: 'Download an image from a registry', usage: '[OPTIONS] NAME[:TAG|@DIGEST]' })
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--disable-content-trust', 'Skip image verification (default true)')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output');
  return onAction<{ allTags?: boolean; platform?: string; quiet?: boolean }>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    let ref;
    try {
      ref = parseImageReference(name!);
    } catch (err) {
      throw new StatusError(1, `${(err as Error).message}\n`);
    }
    if (opts.allTags && (ref.tag !== undefined || ref.digest !== undefined)) throw new StatusError(1, 'tag can\'t be used with --all-tags/-a\n');
    if (!opts.allTags) ref = withDefaultTag(ref);
    const messages = ctx.client.images.pull(`${ref.domain}/${ref.path}`, {
      tag: ref.digest ?? ref.tag, platform: opts.platform, registryAuth: await registryAuthHeader(ctx, ref.domain),
    });
    if (opts.quiet) {
      for await (const m of messages) void m;
    } else {
      await displayJsonMessages(messages, ctx.streams.stdout);
    }
    if (!opts.allTags) ctx.out(`${ref.domain}/${ref.path}${ref.digest ? `@${ref.digest}` : `:${ref.tag}`}\n`);
  } });
}
