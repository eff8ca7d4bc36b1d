import type { DiskUsage, Volume } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { humanSize } from '../format/human-size.js';
import { FormatError, renderFormatted } from '../format/render-formatted.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

const DEFAULT_FORMAT = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

/** docker's "%s (%v%%)" reclaimable column. */
function reclaimable(bytes: number, total: number): string {
  return total > 0 ? `${humanSize(bytes)} (${Math.trunc((bytes / total) * 100)}%)` : humanSize(bytes);
}

export function diskUsageRows(df: DiskUsage): Record<string, string | number>[] {
  let used = 0;
  for (const i of df.Images) if (i.Containers !== 0 && i.SharedSize !== -1) used += (i.VirtualSize ?? i.Size) - i.SharedSize;
  const containers = df.Containers as { State?: string; SizeRw?: number }[];
  const rw = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  const volumes = df.Volumes as Volume[];
  const volumeBytes = volumes.reduce((a, v) => a + (v.UsageData?.Size ?? 0), 0);
  const unusedVolumeBytes = volumes.filter((v) => !v.UsageData?.RefCount).reduce((a, v) => a + (v.UsageData?.Size ?? 0), 0);
  const idle = containers.filter((c) => c.State !== 'running').reduce((a, c) => a + (c.SizeRw ?? 0), 0);
  return [
    { Type: 'Images', TotalCount: df.Images.length, Active: df.Images.filter((i) => i.Containers > 0).length, Size: humanSize(df.LayersSize), Reclaimable: reclaimable(df.LayersSize - used, df.LayersSize) },
    { Type: 'Containers', TotalCount: containers.length, Active: containers.filter((c) => c.State === 'running').length, Size: humanSize(rw), Reclaimable: reclaimable(idle, rw) },
    { Type: 'Local Volumes', TotalCount: volumes.length, Active: volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, Size: humanSize(volumeBytes), Reclaimable: reclaimable(unusedVolumeBytes, volumeBytes) },
    { Type: 'Build Cache', TotalCount: df.BuildCache.length, Active: 0, Size: humanSize(0), Reclaimable: humanSize(0) },
  ];
}

/** `berth system df [--format F]`: the summary table (`-v` is not supported yet). */
export function systemDfCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'df', description: 'Show docker disk usage', usage: '[OPTIONS]' })
    .option('--format <string>', 'Format output using a custom template');
  return onAction<{ format?: string }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const rows = diskUsageRows(await ctx.client.images.diskUsage());
    try {
      ctx.out(renderFormatted(!opts.format || opts.format === 'table' ? DEFAULT_FORMAT : opts.format, rows, { header: HEADERS }));
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  } });
}
