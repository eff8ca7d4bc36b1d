import type { SystemInfo } from '../../api/types/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import { BERTH_VERSION } from '../berth-version.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { bytesSize } from '../format/human-size.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';

interface RegistryConfig {
  InsecureRegistryCIDRs?: string[] | null;
  IndexConfigs?: Record<string, { Name: string; Secure: boolean }> | null;
  Mirrors?: string[] | null;
}

/** `berth info [-f FORMAT]`: docker's layout of GET /info. */
export function infoCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'info', description: 'Display system-wide information', usage: '[OPTIONS]' }).option(
    '-f, --format <string>',
    'Format output using a custom template',
  );
  return onAction<{ format?: string }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    const client = { Version: BERTH_VERSION, Context: 'default', Debug: false, Plugins: [], Warnings: null };
    if (opts.format !== undefined && opts.format !== '') {
      let template: GoTemplate;
      try {
        template = GoTemplate.parse(opts.format === 'json' ? '{{json .}}' : opts.format);
      } catch (err) {
        throw new StatusError(64, `template parsing error: ${(err as Error).message}\n`);
      }
      const info = await ctx.client.info();
      ctx.out(`${template.execute({ ...info, ClientInfo: client })}\n`);
      return;
    }
    ctx.out(`Client:\n Version:    ${client.Version}\n Context:    ${client.Context}\n Debug Mode: ${client.Debug}\n\nServer:\n`);
    const info = await ctx.client.info();
    ctx.out(serverInfoText(info));
    for (const warning of info.Warnings ?? []) ctx.err(`${warning}\n`);
  } });
}

function serverInfoText(info: SystemInfo): string {
  const lines: string[] = [];
  const line = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  const nonEmpty = (label: string, value: string | undefined) => {
    if (value) line(label, value);
  };
  line(' Containers:', info.Containers);
  line('  Running:', info.ContainersRunning);
  line('  Paused:', info.ContainersPaused);
  line('  Stopped:', info.ContainersStopped);
  line(' Images:', info.Images);
  nonEmpty(' Server Version:', info.ServerVersion);
  nonEmpty(' Storage Driver:', info.Driver);
  for (const [k, v] of info.DriverStatus ?? []) lines.push(`  ${k}: ${v}`);
  nonEmpty(' Logging Driver:', info.LoggingDriver);
  nonEmpty(' Cgroup Driver:', info.CgroupDriver);
  nonEmpty(' Cgroup Version:', info.CgroupVersion);
  line(' Plugins:');
  line('  Volume:', (info.Plugins?.Volume ?? []).join(' '));
  line('  Network:', (info.Plugins?.Network ?? []).join(' '));
  if ((info.Plugins?.Authorization ?? []).length > 0) line('  Authorization:', info.Plugins.Authorization!.join(' '));
  line('  Log:', (info.Plugins?.Log ?? []).join(' '));
  line(' Swarm:', info.Swarm?.LocalNodeState ?? '');
  const runtimes = Object.keys(info.Runtimes ?? {}).sort();
  if (runtimes.length > 0) {
    line(' Runtimes:', runtimes.join(' '));
    line(' Default Runtime:', info.DefaultRuntime);
  }
  if (info.OSType === 'linux') {
    line(' Init Binary:', info.InitBinary ?? '');
    line(' containerd version:', info.ContainerdCommit?.ID ?? '');
    line(' runc version:', info.RuncCommit?.ID ?? '');
    line(' init version:', info.InitCommit?.ID ?? '');
    if ((info.SecurityOptions ?? []).length > 0) {
      line(' Security Options:');
      for (const option of info.SecurityOptions) {
        const fields = Object.fromEntries(option.split(',').map((kv) => kv.split('=') as [string, string]));
        lines.push(`  ${fields['name'] ?? option}`);
        if (fields['profile'] !== undefined) line('   Profile:', fields['profile']);
      }
    }
  }
  nonEmpty(' Kernel Version:', info.KernelVersion);
  nonEmpty(' Operating System:', info.OperatingSystem);
  nonEmpty(' OSType:', info.OSType);
  nonEmpty(' Architecture:', info.Architecture);
  line(' CPUs:', info.NCPU);
  line(' Total Memory:', bytesSize(info.MemTotal ?? 0));
  nonEmpty(' Name:', info.Name);
  nonEmpty(' ID:', info.ID);
  line(' Docker Root Dir:', info.DockerRootDir);
  line(' Debug Mode:', Boolean(info.Debug));
  if (info.Debug) {
    line('  File Descriptors:', info.NFd);
    line('  Goroutines:', info.NGoroutines);
    line('  System Time:', info.SystemTime);
    line('  EventsListeners:', info.NEventsListener);
  }
  nonEmpty(' HTTP Proxy:', info.HttpProxy);
  nonEmpty(' HTTPS Proxy:', info.HttpsProxy);
  nonEmpty(' No Proxy:', info.NoProxy);
  if ((info.Labels ?? []).length > 0) {
    line(' Labels:');
    for (const label of info.Labels) lines.push(`  ${label}`);
  }
  line(' Experimental:', Boolean(info.ExperimentalBuild));
  const registry = (info.RegistryConfig ?? null) as RegistryConfig | null;
  const indexConfigs = Object.values(registry?.IndexConfigs ?? {});
  if (registry && ((registry.InsecureRegistryCIDRs ?? []).length > 0 || indexConfigs.length > 0)) {
    line(' Insecure Registries:');
    for (const config of indexConfigs) if (!config.Secure) lines.push(`  ${config.Name}`);
    for (const cidr of registry.InsecureRegistryCIDRs ?? []) lines.push(`  ${cidr}`);
  }
  if ((registry?.Mirrors ?? []).length > 0) {
    line(' Registry Mirrors:');
    for (const mirror of registry!.Mirrors!) lines.push(`  ${mirror}`);
  }
  line(' Live Restore Enabled:', Boolean(info.LiveRestoreEnabled));
  return `${lines.join('\n')}\n\n`;
}
