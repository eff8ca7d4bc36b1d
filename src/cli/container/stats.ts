import type { EventMessage } from '../../api/types/index.js';
import { dockerConfigDir, readDockerConfig } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { FormatError, renderFormatted, TABLE_FORMAT } from '../format/render-formatted.js';
import { truncateId } from '../format/truncate-id.js';
import { StatusError } from '../status-error.js';
import { StatsCollector } from './stats-collector.js';
import { statsFrame } from './stats-frame.js';
import { DEFAULT_STATS_FORMAT, STATS_HEADERS, StatsRow } from './stats-row.js';

interface StatsOptions {
  all?: boolean;
  format?: string;
  /** false with --no-stream. */
  stream?: boolean;
  /** false with --no-trunc. */
  trunc?: boolean;
}

/** docker redraws the streamed table this often. */
const REDRAW_MS = 500;

/** `berth stats [OPTIONS] [CONTAINER...]` */
export function statsCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'stats', description: 'Display a live stream of container(s) resource usage statistics', usage: '[OPTIONS] [CONTAINER...]' })
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output');
  return onAction<StatsOptions>(cmd, ctx, { args: { min: 0 }, run: async (names, opts) => {
    const stats = new StatsSession(ctx, { stream: opts.stream !== false });
    try {
      return await stats.run(names, opts);
    } finally {
      stats.close();
    }
  } });
}

/** The collectors of one `stats` run, in the order docker shows them (the order they were added). */
class StatsSession {
  private readonly collectors: StatsCollector[] = [];
  private readonly stream: boolean;
  private readonly events = new AbortController();

  constructor(private readonly ctx: CliContext, options: { stream: boolean }) {
    this.stream = options.stream;
  }

  async run(names: string[], opts: StatsOptions): Promise<number> {
    const showAll = names.length === 0;
    let eventsDone: Promise<void> | undefined;
    if (showAll) {
      // subscribe before listing, so a container started in between is not missed
      eventsDone = this.followEvents(Boolean(opts.all));
      eventsDone.catch(() => {});
      const list = await this.ctx.client.containers.list({ all: opts.all });
      for (const c of list) this.add(truncateId(c.Id));
      await Promise.all(this.collectors.map((c) => c.first));
    } else {
      for (const name of names) this.add(name);
      await Promise.all(this.collectors.map((c) => c.first));
      const errors = this.collectors.flatMap((c) => (c.error ? [c.error.message] : []));
      if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
    }
    const chosen = opts.format || (await configuredFormat(this.ctx)) || TABLE_FORMAT;
    const format = chosen === TABLE_FORMAT ? DEFAULT_STATS_FORMAT : chosen;
    const render = () => this.render(format, opts.trunc !== false);
    if (!this.stream) {
      this.ctx.out(render());
      return 0;
    }
    return new Promise<number>((resolve, reject) => {
      const ticker = setInterval(() => {
        try {
          this.ctx.out(statsFrame(render()));
        } catch (err) {
          clearInterval(ticker);
          reject(err);
          return;
        }
        if (this.collectors.length === 0 && !showAll) {
          clearInterval(ticker);
          resolve(0);
        }
      }, REDRAW_MS);
      // a broken event stream ends the command; a daemon going away ends it quietly, as in docker
      eventsDone?.then(
        () => {
          clearInterval(ticker);
          resolve(0);
        },
        (err: unknown) => {
          clearInterval(ticker);
          if (this.events.signal.aborted) resolve(0);
          else reject(err);
        },
      );
    });
  }

  close(): void {
    this.events.abort();
    for (const c of this.collectors) c.stop();
  }

  private add(container: string): void {
    if (this.collectors.some((c) => c.container === container)) return;
    const collector = new StatsCollector(container);
    this.collectors.push(collector);
    void collector.collect(this.ctx.client.containers, { stream: this.stream });
  }

  private remove(container: string): void {
    const i = this.collectors.findIndex((c) => c.container === container);
    if (i < 0) return;
    this.collectors[i]!.stop();
    this.collectors.splice(i, 1);
  }

  /**
   * Containers that start join the table, and with `-a` so do new ones; without `-a` a container
   * that dies leaves it (docker's event handlers; a stopped one shown with `-a` stays, as `--`).
   */
  private async followEvents(all: boolean): Promise<void> {
    const events = this.ctx.client.events({ filters: { type: { container: true } }, signal: this.events.signal });
    for await (const e of events) {
      const id = eventContainerId(e);
      if (!id) continue;
      if (e.Action === 'start' || (all && e.Action === 'create')) this.add(id);
      else if (!all && e.Action === 'die') this.remove(id);
    }
  }

  private render(format: string, trunc: boolean): string {
    try {
      return renderFormatted(format, this.collectors.map((c) => new StatsRow(c.entry, { trunc })), { header: STATS_HEADERS });
    } catch (err) {
      if (err instanceof FormatError) throw new StatusError(1, `${err.message}\n`);
      throw err;
    }
  }
}

/** `statsFormat` from the docker config file, which docker uses when --format is not given. */
async function configuredFormat(ctx: CliContext): Promise<string | undefined> {
  const config = await readDockerConfig(dockerConfigDir(ctx.env)).catch(() => undefined);
  const format = config?.['statsFormat'];
  return typeof format === 'string' ? format : undefined;
}

function eventContainerId(e: EventMessage): string | undefined {
  const id = e.Actor?.ID || e.id;
  return id ? truncateId(id) : undefined;
}
