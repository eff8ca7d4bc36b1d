import type { PortBinding } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { StatusError } from '../status-error.js';

/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: docker's lines, `80/tcp -> 0.0.0.0:32768`. */
export function portCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'port', description: 'List port mappings or a specific mapping for the container', usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]' });
  return onAction(cmd, ctx, { args: { min: 1, max: 2 }, run: async ([container, wanted]) => {
    const info = JSON.parse(await ctx.client.containers.inspectRaw(container!)) as { NetworkSettings?: { Ports?: Record<string, PortBinding[] | null> } };
    const ports = info.NetworkSettings?.Ports ?? {};
    if (wanted) {
      const key = wanted.includes('/') ? wanted : `${wanted}/tcp`;
      const binds = ports[key];
      if (!binds?.length) throw new StatusError(1, `Error: No public port '${key}' published for ${container}\n`);
      ctx.out(binds.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
      return;
    }
    const keys = Object.keys(ports).sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0]) || a.localeCompare(b));
    for (const k of keys) for (const b of ports[k] ?? []) ctx.out(`${k} -> ${b.HostIp}:${b.HostPort}\n`);
  } });
}
