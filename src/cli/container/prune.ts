import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { confirm } from '../confirm.js';
import { humanSize } from '../format/human-size.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';

/** `berth container prune [-f] [--filter]` */
export function pruneCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'prune', description: 'Remove all stopped containers', usage: '[OPTIONS]' })
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', flagParser('--filter', collectFilter))
    .option('-f, --force', 'Do not prompt for confirmation');
  return onAction<{ filter?: Filters; force?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    if (!opts.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return 0;
    const report = await ctx.client.containers.prune({ filters: opts.filter });
    const deleted = report.ContainersDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
  } });
}
