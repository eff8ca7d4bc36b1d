import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';
import { toApiTimestamp } from '../options/to-api-timestamp.js';
import { copyOutput } from '../stream/run-stream-session.js';

interface LogsOptions {
  details?: boolean;
  follow?: boolean;
  since?: string;
  tail?: string;
  timestamps?: boolean;
  until?: string;
}

/** `berth logs [-f] [--since] [--until] [-n N] [-t] [--details] CONTAINER` */
export function logsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'logs', description: 'Fetch the logs of a container', usage: '[OPTIONS] CONTAINER' })
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)');
  return onAction<LogsOptions>(cmd, ctx, { args: { exact: 1 }, run: async ([name], opts) => {
    const container = await ctx.client.containers.inspect(name!);
    const now = new Date();
    const since = opts.since !== undefined ? timestamp('since', opts.since, now) : undefined;
    const until = opts.until !== undefined ? timestamp('until', opts.until, now) : undefined;
    const stream = await ctx.client.containers.logs(container.Id, {
      stdout: true,
      stderr: true,
      follow: opts.follow,
      since,
      until,
      tail: opts.tail,
      timestamps: opts.timestamps,
      details: opts.details,
    });
    await copyOutput(stream, { tty: Boolean(container.Config.Tty), stdout: ctx.streams.stdout, stderr: ctx.streams.stderr });
  } });
}

function timestamp(name: string, value: string, now: Date): string {
  try {
    return toApiTimestamp(value, now);
  } catch (err) {
    throw new StatusError(1, `invalid value for "${name}": ${(err as Error).message}\n`);
  }
}
