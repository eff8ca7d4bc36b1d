import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { parseIntFlag } from '../options/collect.js';
import { flagParser } from '../options/flag-value-error.js';
import { forEachContainer } from './for-each-container.js';

/** `berth restart [-t N] [-s SIG] CONTAINER...` */
export function restartCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'restart', description: 'Restart one or more containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container', flagParser('-t, --timeout', (v: string) => parseIntFlag(v)))
    .option('--time <int>', 'Seconds to wait before killing the container (deprecated)', flagParser('--time', (v: string) => parseIntFlag(v)));
  return onAction<{ signal?: string; timeout?: number; time?: number }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) =>
      forEachContainer(ctx, names, {
        run: (name) => ctx.client.containers.restart(name, { timeout: opts.timeout ?? opts.time, signal: opts.signal }),
      }),
  });
}
