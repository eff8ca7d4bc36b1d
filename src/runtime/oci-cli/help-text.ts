import type { OciCommand } from './oci-command.js';
import type { FlagSpec } from './parse-flags.js';

function flagLines(flags: readonly FlagSpec[]): string {
  const names = flags.map((f) => {
    const value = f.kind === 'bool' ? '' : ' value';
    return f.names.map((n) => `${n.length === 1 ? '-' : '--'}${n}${value}`).join(', ');
  });
  const width = Math.max(...names.map((n) => n.length));
  return flags.map((f, i) => `   ${names[i]!.padEnd(width)}  ${f.help}\n`).join('');
}

/** A command's help in urfave/cli's layout, which runc prints for --help and after "Incorrect Usage". */
export function commandHelp(program: string, cmd: OciCommand): string {
  let text = `NAME:\n   ${program} ${cmd.name} - ${cmd.description}\n\nUSAGE:\n   ${program} ${cmd.name}`;
  text += `${cmd.flags.length ? ' [command options]' : ''}${cmd.usage ? ` ${cmd.usage}` : ''}\n`;
  if (cmd.flags.length) text += `\nOPTIONS:\n${flagLines(cmd.flags)}`;
  return text;
}

/** The program's help: its commands (name and one line each) and global options. */
export function programHelp(program: string, opts: { commands: readonly [string, string][]; globals: readonly FlagSpec[] }): string {
  const { commands, globals } = opts;
  const width = Math.max(...commands.map(([n]) => n.length));
  return (
    `NAME:\n   ${program} - an OCI runtime with runc's command line, built on Berth's plans\n\n` +
    `USAGE:\n   ${program} [global options] command [command options] [arguments...]\n\n` +
    `COMMANDS:\n${commands.map(([n, d]) => `   ${n.padEnd(width)}  ${d}\n`).join('')}\n` +
    `GLOBAL OPTIONS:\n${flagLines(globals)}`
  );
}
