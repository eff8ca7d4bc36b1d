import type { Network } from '../../api/types/index.js';
import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { FormatError, renderFormatted } from '../format/render-formatted.js';
import { truncateId } from '../format/truncate-id.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
const HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

/** One `docker network ls` row (docker's formatter.networkContext). */
function row(n: Network, trunc: boolean) {
  return {
    ID: trunc ? truncateId(n.Id) : n.Id, Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal), CreatedAt: n.Created,
    Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
  };
}

/** `berth network ls [OPTIONS]` */
export function networkLsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'ls', description: 'List networks', usage: '[OPTIONS]' })
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', flagParser('-f, --filter', collectFilter))
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs');
  return onAction<{ filter?: Filters; format?: string; trunc?: boolean; quiet?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const list = await ctx.client.networks.list({ filters: opts.filter ?? {} });
    list.sort((a, b) => a.Name.localeCompare(b.Name));
    const format = opts.quiet ? '{{.ID}}' : !opts.format || opts.format === 'table' ? DEFAULT_FORMAT : opts.format;
    try {
      ctx.out(renderFormatted(format, list.map((n) => row(n, opts.trunc !== false)), { header: HEADERS }));
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  } });
}
