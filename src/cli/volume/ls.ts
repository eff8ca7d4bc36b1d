import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { FormatError, renderFormatted } from '../format/render-formatted.js';
import { onAction } from '../on-action.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';
import { StatusError } from '../status-error.js';
import { DEFAULT_VOLUMES_FORMAT, VolumeRow, VOLUMES_HEADERS } from './volume-row.js';

/** `berth volume ls [-q] [-f FILTER] [--format]` */
export function volumeLsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'ls', description: 'List volumes', usage: '[OPTIONS]' })
    .option('-f, --filter <filter>', "Provide filter values (e.g. 'dangling=true')", flagParser('-f, --filter', collectFilter))
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display volume names');
  return onAction<{ filter?: Filters; format?: string; quiet?: boolean }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const res = await ctx.client.volumes.list({ filters: opts.filter ?? {} });
    const volumes = [...(res.Volumes ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const format = opts.format && opts.format !== 'table' ? opts.format : opts.quiet ? '{{.Name}}' : DEFAULT_VOLUMES_FORMAT;
    try {
      ctx.out(renderFormatted(format, volumes.map((v) => new VolumeRow(v)), { header: VOLUMES_HEADERS }));
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  } });
}
