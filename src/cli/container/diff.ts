import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';

const KINDS = ['C', 'A', 'D'];

/** `berth diff CONTAINER`: changes to the container's files against its image. */
export function diffCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'diff', description: "Inspect changes to files or directories on a container's filesystem", usage: 'CONTAINER' });
  return onAction(cmd, ctx, { args: { exact: 1 }, run: async ([container]) => {
    for (const ch of await ctx.client.containers.changes(container!)) ctx.out(`${KINDS[ch.Kind]} ${ch.Path}\n`);
  } });
}
