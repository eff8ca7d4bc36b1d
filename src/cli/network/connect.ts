import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { collect } from '../options/collect.js';
import { onAction } from '../on-action.js';

/** `berth network connect [--alias] [--ip] NETWORK CONTAINER` */
export function networkConnectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'connect', description: 'Connect a container to a network', usage: '[OPTIONS] NETWORK CONTAINER' })
    .option('--alias <strings>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., "172.30.100.104")');
  return onAction<{ alias?: string[]; ip?: string }>(cmd, ctx, { args: { exact: 2 }, run: async ([network, container], opts) => {
    await ctx.client.networks.connect(network!, container!, {
      Aliases: opts.alias ?? null,
      IPAMConfig: opts.ip ? { IPv4Address: opts.ip } : null,
    });
  } });
}

/** `berth network disconnect [-f] NETWORK CONTAINER` */
export function networkDisconnectCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'disconnect', description: 'Disconnect a container from a network', usage: '[OPTIONS] NETWORK CONTAINER' })
    .option('-f, --force', 'Force the container to disconnect from a network');
  return onAction<{ force?: boolean }>(cmd, ctx, { args: { exact: 2 }, run: async ([network, container], opts) => {
    await ctx.client.networks.disconnect(network!, container!, { force: opts.force });
  } });
}
