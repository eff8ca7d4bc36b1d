import type { SystemVersion } from '../../api/types/index.js';
import { CLIENT_MAX_API_VERSION } from '../../client/index.js';
import { newCommand, type BerthCommand } from '../berth-command.js';
import { BERTH_GIT_COMMIT, BERTH_VERSION } from '../berth-version.js';
import type { CliContext } from '../cli-context.js';
import { onAction } from '../on-action.js';
import { formatAnsic } from '../format/format-go-time.js';
import { alignTabs } from '../format/align-tabs.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';
import { BASIC_FUNCTIONS } from '../template/template-functions.js';

/** docker's version template, with our client's runtime in place of Go. */
const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.ApiVersion}}{{if ne .ApiVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Node.js version:\t{{.NodeVersion}}
 Git commit:\t{{.GitCommit}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

/** `berth version [-f FORMAT]` */
export function versionCommand(ctx: CliContext): BerthCommand {
  const cmd = newCommand({ name: 'version', description: 'Show the Berth version information', usage: '[OPTIONS]' }).option(
    '-f, --format <string>',
    'Format output using a custom template',
  );
  return onAction<{ format?: string }>(cmd, ctx, { args: { exact: 0 }, run: async (_args, opts) => {
    let template: GoTemplate;
    const source = opts.format === undefined || opts.format === '' ? VERSION_TEMPLATE : opts.format === 'json' ? '{{json .}}' : opts.format;
    try {
      template = GoTemplate.parse(source);
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}\n`);
    }
    let server: SystemVersion | undefined;
    let serverError: unknown;
    let apiVersion = '';
    try {
      server = await ctx.client.version();
      apiVersion = await ctx.client.apiVersion();
    } catch (err) {
      serverError = err;
    }
    const data = {
      Client: {
        Platform: null,
        Version: BERTH_VERSION,
        ApiVersion: apiVersion || CLIENT_MAX_API_VERSION,
        DefaultAPIVersion: CLIENT_MAX_API_VERSION,
        GitCommit: BERTH_GIT_COMMIT,
        NodeVersion: process.version,
        Os: process.platform,
        Arch: goArch(process.arch),
        Context: 'default',
      },
      Server: server ? withEngineComponent(server) : null,
    };
    const text = template.execute(data, { functions: { ...BASIC_FUNCTIONS, getDetailsOrder } });
    ctx.out(alignTabs(`${text}\n`, { minWidth: 20, padding: 1 }));
    if (serverError) throw serverError;
  } });
}

function getDetailsOrder(component: unknown): string[] {
  return Object.keys((component as { Details?: Record<string, string> }).Details ?? {}).sort();
}

/** docker shows the server's build time in ANSIC form and synthesizes Engine when absent. */
function withEngineComponent(server: SystemVersion): SystemVersion {
  const components = (server.Components ?? []).map((c) =>
    c.Name === 'Engine' && c.Details?.['BuildTime'] ? { ...c, Details: { ...c.Details, BuildTime: reformatDate(c.Details['BuildTime']) } } : c,
  );
  if (!components.some((c) => c.Name === 'Engine')) {
    components.push({
      Name: 'Engine',
      Version: server.Version,
      Details: {
        ApiVersion: server.ApiVersion,
        MinAPIVersion: server.MinAPIVersion,
        GitCommit: server.GitCommit,
        GoVersion: server.GoVersion,
        Os: server.Os,
        Arch: server.Arch,
        BuildTime: reformatDate(server.BuildTime),
        Experimental: String(Boolean(server.Experimental)),
      },
    });
  }
  return { ...server, Components: components };
}

function reformatDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatAnsic(date);
}

function goArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}
