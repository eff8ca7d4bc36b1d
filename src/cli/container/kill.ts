import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { forEachContainer } from './for-each-container.js';

/** `berth kill [-s SIG] CONTAINER...` */
export function killCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'kill', description: 'Kill one or more running containers', usage: '[OPTIONS] CONTAINER [CONTAINER...]' })
    .option('-s, --signal <string>', 'Signal to send to the container');
  return onAction<{ signal?: string }>(cmd, ctx, {
    args: { min: 1 },
    run: (names, opts) => forEachContainer(ctx, names, { run: (name) => ctx.client.containers.kill(name, { signal: opts.signal }) }),
  });
}
