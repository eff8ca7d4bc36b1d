import { addFilter, type Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { humanSize } from '../format/human-size.js';
import { onAction } from '../on-action.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';

/** `berth volume prune [-a] [-f] [--filter]` */
export function volumePruneCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'prune', description: 'Remove unused local volumes', usage: '[OPTIONS]' })
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('--filter <filter>', "Provide filter values (e.g. 'label=<label>')", flagParser('--filter', collectFilter))
    .option('-f, --force', 'Do not prompt for confirmation');
  return onAction<{ all?: boolean; filter?: Filters; force?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const warning = opts.all
      ? 'WARNING! This will remove all local volumes not used by at least one container.'
      : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
    if (!opts.force && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const filters = opts.filter ?? {};
    if (opts.all) addFilter(filters, 'all', 'true');
    const report = await ctx.client.volumes.prune({ filters });
    const deleted = report.VolumesDeleted ?? [];
    if (deleted.length > 0) ctx.out(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
  } });
}
