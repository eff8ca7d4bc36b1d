import type { ContainerSummary } from '../../api/types/index.js';
import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { FormatError, renderFormatted, templateText } from '../format/render-formatted.js';
import { parseIntFlag } from '../options/collect.js';
import { collectFilter } from '../options/collect-filter.js';
import { flagParser } from '../options/flag-value-error.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';
import { ContainerRow, DEFAULT_PS_FORMAT, psHeader } from './container-row.js';

interface PsOptions {
  all?: boolean;
  filter?: Filters;
  format?: string;
  last?: number;
  latest?: boolean;
  /** false with --no-trunc (commander's negated flag). */
  trunc?: boolean;
  quiet?: boolean;
  size?: boolean;
}

/** `berth ps` / `berth container ls`. */
export function lsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'ls', description: 'List containers', usage: '[OPTIONS]' })
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', flagParser('-f, --filter', collectFilter))
    .option('--format <string>', 'Format output using a custom template')
    .option('-n, --last <int>', 'Show n last created containers (includes all states)', flagParser('-n, --last', (v: string) => parseIntFlag(v)))
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes');
  return onAction<PsOptions>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const format = psFormat(opts.format, Boolean(opts.quiet), Boolean(opts.size));
    const size = Boolean(opts.size) || (opts.format !== undefined && !opts.quiet && templateReadsSize(opts.format));
    let limit = opts.last ?? -1;
    if (opts.latest && limit === -1) limit = 1;
    const containers = await ctx.client.containers.list({ all: opts.all, size, limit, filters: opts.filter });
    ctx.out(renderContainers(format, containers, opts.trunc !== false));
  } });
}

/** docker's NewContainerFormat: table by default, `{{.ID}}` for -q, SIZE column for -s. */
function psFormat(format: string | undefined, quiet: boolean, size: boolean): string {
  if (format === undefined || format === '' || format === 'table') {
    if (quiet) return '{{.ID}}';
    return size ? `${DEFAULT_PS_FORMAT}\t{{.Size}}` : DEFAULT_PS_FORMAT;
  }
  return quiet ? '{{.ID}}' : format;
}

/**
 * docker runs the template once on an empty row to see whether it reads `.Size`, and asks the
 * daemon for sizes only then; a bad template fails here with docker's wording.
 */
function templateReadsSize(format: string): boolean {
  let template: GoTemplate;
  try {
    template = GoTemplate.parse(templateText(format));
  } catch (err) {
    throw new StatusError(1, `failed to parse template: ${(err as Error).message}\n`);
  }
  const probe = new ContainerRow(emptySummary(), { trunc: true });
  try {
    template.execute(probe);
  } catch (err) {
    throw new StatusError(1, `failed to execute template: ${(err as Error).message}\n`);
  }
  return probe.sizeUsed;
}

function renderContainers(format: string, containers: ContainerSummary[], trunc: boolean): string {
  const now = Date.now();
  try {
    return renderFormatted(format, containers.map((c) => new ContainerRow(c, { trunc, now })), { header: psHeader() });
  } catch (err) {
    if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
    throw err;
  }
}

function emptySummary(): ContainerSummary {
  return {
    Id: '',
    Names: [],
    Image: '',
    ImageID: '',
    Command: '',
    Created: 0,
    Ports: [],
    Labels: {},
    State: 'created',
    Status: '',
    HostConfig: { NetworkMode: '' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  };
}
