import type { EventMessage } from '../../api/types/index.js';
import type { Filters } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { templateText } from '../format/render-formatted.js';
import { onAction } from '../on-action.js';
import { collectFilter } from '../options/collect-filter.js';
import { toApiTimestamp } from '../options/to-api-timestamp.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';

interface EventsOptions {
  since?: string;
  until?: string;
  filter?: Filters;
  format?: string;
}

/** Go's RFC3339Nano in UTC (docker prints the local zone; berth prints UTC). */
function rfc3339Nano(timeNano: number | bigint): string {
  const ns = BigInt(timeNano);
  const iso = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  const frac = String(ns % 1_000_000_000n).padStart(9, '0').replace(/0+$/, '');
  return `${iso}${frac ? `.${frac}` : ''}Z`;
}

/** docker's default line: time, type, action, actor id, then the attributes sorted. */
export function eventLine(e: EventMessage): string {
  const attrs = Object.keys(e.Actor.Attributes).sort().map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${rfc3339Nano(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}\n`;
}

/** `berth events [--since] [--until] [-f filter] [--format]`: the daemon's events, live or replayed. */
export function eventsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'events', description: 'Get real time events from the server', usage: '[OPTIONS]' })
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collectFilter)
    .option('--format <string>', 'Format output using a custom template')
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp');
  return onAction<EventsOptions>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const now = new Date();
    const at = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      try {
        return toApiTimestamp(v, now);
      } catch (err) {
        throw new StatusError(1, `invalid value for "${name}": ${(err as Error).message}\n`);
      }
    };
    let template: GoTemplate | undefined;
    if (opts.format) {
      try {
        template = GoTemplate.parse(templateText(opts.format));
      } catch (err) {
        throw new StatusError(1, `${(err as Error).message}\n`);
      }
    }
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    const stream = ctx.client.events({ since: at('since', opts.since), until: at('until', opts.until), filters: opts.filter, signal: ac.signal });
    try {
      for await (const e of stream) ctx.out(template ? `${template.execute(e)}\n` : eventLine(e));
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    }
  } });
}
