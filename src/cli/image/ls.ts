import { addFilter, type Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { FormatError, isTableFormat, renderFormatted } from '../format/render-formatted.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';
import { StatusError } from '../status-error.js';
import { DEFAULT_IMAGES_DIGEST_FORMAT, DEFAULT_IMAGES_FORMAT, IMAGES_HEADERS, imageRows } from './image-row.js';

interface ImagesOptions {
  all?: boolean;
  digests?: boolean;
  filter?: Filters;
  format?: string;
  /** false with --no-trunc (commander's negated flag). */
  trunc?: boolean;
  quiet?: boolean;
}

/** `berth images` / `berth image ls [REPOSITORY[:TAG]]` */
export function imageLsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'ls', description: 'List images', usage: '[OPTIONS] [REPOSITORY[:TAG]]' })
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', flagParser('-f, --filter', collectFilter))
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs');
  return onAction<ImagesOptions>(cmd, ctx, { args: { max: 1 }, run: async ([match], opts) => {
    const filters = opts.filter ?? {};
    if (match) addFilter(filters, 'reference', match);
    const images = await ctx.client.images.list({ all: opts.all, filters });
    const format = imagesFormat(opts.format, Boolean(opts.quiet), Boolean(opts.digests));
    const digests = Boolean(opts.digests) || format.includes('{{.Digest}}');
    const now = Date.now();
    const rows = images.flatMap((image) => imageRows(image, { trunc: opts.trunc !== false, digests, now }));
    try {
      ctx.out(renderFormatted(format, rows, { header: IMAGES_HEADERS }));
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  } });
}

/** docker's NewImageFormat. */
function imagesFormat(format: string | undefined, quiet: boolean, digests: boolean): string {
  if (format === undefined || format === '' || format === 'table') {
    if (quiet) return '{{.ID}}';
    return digests ? DEFAULT_IMAGES_DIGEST_FORMAT : DEFAULT_IMAGES_FORMAT;
  }
  if (isTableFormat(format) && digests && !format.includes('{{.Digest}}')) return `${format}\t{{.Digest}}`;
  return format;
}
