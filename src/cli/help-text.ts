import type { Command, Option } from 'commander';

/**
 * Help in docker's layout: usage line, description, then the subcommands or the flags in
 * pflag's columns (`  -a, --all`, `      --format string`).
 */
export function helpText(cmd: Command, names: { usageLine: string; path: string }): string {
  const { usageLine, path } = names;
  const parts = [usageLine, '', cmd.description()];
  const subcommands = cmd.commands.filter((c) => c.name() !== 'help');
  if (subcommands.length > 0) {
    const groups = subcommands.filter((c) => c.commands.length > 0);
    const leaves = subcommands.filter((c) => c.commands.length === 0);
    if (groups.length > 0) parts.push('', 'Management Commands:', ...commandLines(groups));
    parts.push('', 'Commands:', ...commandLines(leaves));
  }
  const options = cmd.options.filter((o) => !o.hidden && !(o.negate && cmd.options.some((p) => !p.negate && p.attributeName() === o.attributeName())));
  if (options.length > 0) parts.push('', subcommands.length > 0 && !cmd.parent ? 'Global Options:' : 'Options:', ...optionLines(options));
  if (subcommands.length > 0) parts.push('', `Run '${path} COMMAND --help' for more information on a command.`);
  return `${parts.join('\n')}\n`;
}

function commandLines(commands: readonly Command[]): string[] {
  const width = Math.max(11, ...commands.map((c) => c.name().length));
  return [...commands].sort((a, b) => (a.name() < b.name() ? -1 : 1)).map((c) => `  ${c.name().padEnd(width)} ${c.description()}`);
}

function optionLines(options: readonly Option[]): string[] {
  const left = options.map((o) => {
    const type = /<([^>]+)>/.exec(o.flags)?.[1];
    const names = o.short ? `  ${o.short}, ${o.long}` : `      ${o.long}`;
    return type ? `${names} ${type}` : names;
  });
  const width = Math.max(...left.map((l) => l.length));
  return options.map((o, i) => {
    let text = o.description;
    if (typeof o.defaultValue === 'string' && o.defaultValue !== '') text += ` (default ${JSON.stringify(o.defaultValue)})`;
    else if (o.defaultValue === true) text += ' (default true)';
    return `${left[i]!.padEnd(width)}   ${text}`;
  });
}
