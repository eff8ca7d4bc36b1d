import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { ellipsis } from '../format/ellipsis.js';
import { humanSize } from '../format/human-size.js';
import { FormatError, renderFormatted } from '../format/render-formatted.js';
import { timeAgo } from '../format/time-ago.js';
import { truncateId } from '../format/truncate-id.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
const HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

/** `berth history [-H=false] [--no-trunc] [-q] [--format F] IMAGE`, docker's columns. */
export function imageHistoryCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'history', description: 'Show the history of an image', usage: '[OPTIONS] IMAGE' })
    .option('--format <string>', 'Format output using a custom template')
    .option('-H, --human', 'Print sizes and dates in human readable format (default true)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs');
  return onAction<{ format?: string; human?: boolean | string; trunc?: boolean; quiet?: boolean }>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    const items = await ctx.client.images.history(name!);
    const trunc = opts.trunc !== false;
    const human = opts.human !== false && opts.human !== 'false';
    const now = Date.now();
    const rows = items.map((h) => ({
      ID: h.Id.startsWith('sha256:') && trunc ? truncateId(h.Id) : h.Id,
      CreatedSince: human ? `${timeAgo(h.Created, now)} ago` : new Date(h.Created * 1000).toISOString(),
      CreatedAt: new Date(h.Created * 1000).toISOString(),
      CreatedBy: trunc ? ellipsis(h.CreatedBy.replace(/\t/g, ' '), 45) : h.CreatedBy,
      Size: human ? humanSize(h.Size) : String(h.Size),
      Comment: h.Comment,
    }));
    const format = opts.quiet ? '{{.ID}}' : opts.format || DEFAULT_FORMAT;
    try {
      ctx.out(renderFormatted(format === 'table' ? DEFAULT_FORMAT : format, rows, { header: HEADERS }));
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  } });
}
