import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { forEachContainer } from './for-each-container.js';

/** `berth pause CONTAINER...` */
export function pauseCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'pause', description: 'Pause all processes within one or more containers', usage: 'CONTAINER [CONTAINER...]' });
  return onAction(cmd, ctx, {
    args: { min: 1 },
    run: (names) => forEachContainer(ctx, names, { run: (name) => ctx.client.containers.pause(name) }),
  });
}
