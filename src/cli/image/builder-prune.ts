import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { humanSize } from '../format/human-size.js';
import { onAction } from '../on-action.js';

/** `berth builder prune [-a] [-f]`: the build cache (cached step images nothing else keeps). */
export function builderPruneCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'prune', description: 'Remove build cache', usage: '[OPTIONS]' })
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation');
  return onAction<{ all?: boolean; force?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    if (!opts.force && !(await confirm(ctx, 'WARNING! This will remove all dangling build cache.\nAre you sure you want to continue?'))) return 0;
    const report = await ctx.client.images.buildPrune();
    const deleted = report.CachesDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted build cache objects:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(report.SpaceReclaimed)}\n`);
  } });
}
