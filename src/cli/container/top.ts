import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { alignTabs } from '../format/align-tabs.js';

/** `berth top CONTAINER [ps OPTIONS]` */
export function topCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'top', description: 'Display the running processes of a container', usage: 'CONTAINER [ps OPTIONS]', stopAtFirstArg: true });
  return onAction(cmd, ctx, { args: { min: 1 }, run: async ([container, ...psArgs]) => {
    const top = await ctx.client.containers.top(container!, { psArgs: psArgs.join(' ') });
    const lines = [top.Titles.join('\t'), ...top.Processes.map((p) => p.join('\t'))];
    // docker top uses a wider minimum cell than the list tables
    ctx.out(alignTabs(`${lines.join('\n')}\n`, { minWidth: 20, padding: 3 }));
  } });
}
