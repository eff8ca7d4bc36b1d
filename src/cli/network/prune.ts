import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { confirm } from '../confirm.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';
import { onAction } from '../on-action.js';

/** `berth network prune [-f] [--filter]` */
export function networkPruneCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'prune', description: 'Remove all unused networks', usage: '[OPTIONS]' })
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', flagParser('--filter', collectFilter))
    .option('-f, --force', 'Do not prompt for confirmation');
  return onAction<{ filter?: Filters; force?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const warning = 'WARNING! This will remove all custom networks not used by at least one container.';
    if (!opts.force && !(await confirm(ctx, `${warning}\nAre you sure you want to continue?`))) return 0;
    const r = await ctx.client.networks.prune({ filters: opts.filter ?? {} });
    const deleted = r.NetworksDeleted ?? [];
    if (deleted.length) ctx.out(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}`);
  } });
}
