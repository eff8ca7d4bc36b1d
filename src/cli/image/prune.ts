import { addFilter, type Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { confirm } from '../confirm.js';
import { humanSize } from '../format/human-size.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';

/** `berth image prune [-a] [-f] [--filter]` */
export function imagePruneCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'prune', description: 'Remove unused images', usage: '[OPTIONS]' })
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', flagParser('--filter', collectFilter))
    .option('-f, --force', 'Do not prompt for confirmation');
  return onAction<{ all?: boolean; filter?: Filters; force?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const warning = opts.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!opts.force && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = opts.filter ?? {};
    addFilter(filters, 'dangling', opts.all ? 'false' : 'true');
    const report = await ctx.client.images.prune({ filters });
    const deleted = report.ImagesDeleted ?? [];
    if (deleted.length > 0) {
      let text = 'Deleted Images:\n';
      for (const item of deleted) {
        if (item.Untagged) text += `untagged: ${item.Untagged}\n`;
        if (item.Deleted) text += `deleted: ${item.Deleted}\n`;
      }
      ctx.out(`${text}\n`);
    }
    ctx.out(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
  } });
}
