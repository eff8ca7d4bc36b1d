import { Command, CommanderError, type Option } from 'commander';
import { helpText } from './help-text.js';
import { FlagValueError } from './options/flag-value-error.js';
import { StatusError } from './status-error.js';

export const CLI_NAME = 'berth';

/** A flag used wrongly (missing value); the text is pflag's. */
export class FlagSyntaxError extends Error {}

/** Exit status for bad flags and values (docker's). Wrong argument counts exit 1. */
const FLAG_ERROR_STATUS = 125;

/**
 * A commander Command that parses and fails like docker's cobra/pflag: `--bool=false`,
 * `-e=VALUE`, docker's error texts and statuses, and a usage line in every error.
 */
export class BerthCommand extends Command {
  /** The argument part of docker's usage line: `[OPTIONS] IMAGE [COMMAND] [ARG...]`. */
  argsUsage = '';
  /** Flags end at the first argument (commander's passThroughOptions, which we also need to know). */
  stopsAtFirstArg = false;

  override createCommand(name?: string): BerthCommand {
    return new BerthCommand(name);
  }

  /** `berth container ls` */
  commandPath(): string {
    const names: string[] = [];
    for (let c: Command | null = this; c; c = c.parent) names.unshift(c.parent ? c.name() : CLI_NAME);
    return names.join(' ');
  }

  usageLine(): string {
    return `Usage:  ${this.commandPath()}${this.argsUsage ? ` ${this.argsUsage}` : ''}`;
  }

  override helpInformation(): string {
    return helpText(this, { usageLine: this.usageLine(), path: this.commandPath() });
  }

  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    const stopAtOperand = this.commands.length > 0 || this.stopsAtFirstArg;
    try {
      return super.parseOptions(normalizeFlags(args, { options: this.options as Option[], stopAtOperand }));
    } catch (err) {
      if (err instanceof FlagValueError || err instanceof FlagSyntaxError) throw this.flagError(err.message);
      throw err;
    }
  }

  // commander reports through these two (undeclared in its typings); ours speak pflag

  unknownOption(arg: string): never {
    const flag = arg.startsWith('--') ? arg.split('=')[0]! : arg;
    const text = flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
    throw this.flagError(text);
  }

  optionMissingArgument(option: Option): never {
    const text = option.long ? `flag needs an argument: ${option.long}` : `flag needs an argument: '${option.short?.slice(1)}' in ${option.short}`;
    throw this.flagError(text);
  }

  flagError(text: string): StatusError {
    return new StatusError(FLAG_ERROR_STATUS, `${text}\n\n${this.usageLine()}\n\nRun '${this.commandPath()} --help' for more information\n`);
  }

  /** docker's argument-count failure (cli.RequiresMinArgs and friends); exits 1. */
  argsError(requirement: string, verb: 'See' | 'Run'): StatusError {
    const path = this.commandPath();
    return new StatusError(1, `${CLI_NAME}: '${path}' ${requirement}\n\n${this.usageLine()}\n\n${verb} '${path} --help' for more information\n`);
  }
}

export interface CommandSpec {
  name: string;
  description: string;
  /** Usage after the command path, e.g. `[OPTIONS] CONTAINER [CONTAINER...]`. */
  usage: string;
  /** Options stop at the first argument (run, create, exec: the rest is the command). */
  stopAtFirstArg?: boolean;
}

/** A leaf command configured for docker-style parsing and errors. */
export function newCommand(spec: CommandSpec): BerthCommand {
  const cmd = new BerthCommand(spec.name);
  cmd.argsUsage = spec.usage;
  cmd.description(spec.description);
  cmd.usage(spec.usage);
  cmd.allowExcessArguments(true);
  cmd.argument('[args...]');
  if (spec.stopAtFirstArg) {
    cmd.passThroughOptions(true);
    cmd.stopsAtFirstArg = true;
  }
  configureCommand(cmd);
  return cmd;
}

/**
 * A command that only groups others (`container`, `image`). Alone it prints its usage to stderr;
 * with an unknown subcommand it fails as docker does.
 */
export function newGroupCommand(name: string, description: string, write: (text: string) => void): BerthCommand {
  const cmd = new BerthCommand(name);
  cmd.argsUsage = 'COMMAND';
  cmd.description(description);
  cmd.enablePositionalOptions(true);
  cmd.allowExcessArguments(true);
  cmd.argument('[command...]');
  configureCommand(cmd);
  cmd.action(() => {
    const [unknown] = cmd.args;
    if (unknown === undefined) {
      write(cmd.helpInformation());
      return;
    }
    const path = cmd.commandPath();
    throw new StatusError(1, `${CLI_NAME}: unknown command: ${path} ${unknown}\n\nUsage:  ${path}\n\nRun '${path} --help' for more information\n`);
  });
  return cmd;
}

export function configureCommand(cmd: Command): void {
  cmd.exitOverride((err) => {
    throw err;
  });
  cmd.configureOutput({ outputError: () => {} });
  cmd.helpOption('--help', 'Print usage');
  cmd.showSuggestionAfterError(false);
}

/**
 * Turns pflag spellings commander lacks into ones it knows: `--flag=true|false` for booleans
 * (the negative form drops the flag or becomes `--no-flag`), and `-x=value` for short flags.
 * Scanning stops at `--`, and at the first operand when the command passes the rest through.
 */
export function normalizeFlags(args: string[], spec: { options: readonly Option[]; stopAtOperand: boolean }): string[] {
  const { options, stopAtOperand } = spec;
  const byLong = new Map<string, Option>();
  const byShort = new Map<string, Option>();
  for (const o of options) {
    if (o.long) byLong.set(o.long, o);
    if (o.short) byShort.set(o.short, o);
  }
  const takesValue = (o: Option | undefined) => o !== undefined && (o.required || o.optional);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtOperand) {
        out.push(...args.slice(i));
        break;
      }
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const option = arg.startsWith('--') ? byLong.get(name) : name.length === 2 ? byShort.get(name) : undefined;
    if (eq >= 0 && option && !takesValue(option)) {
      out.push(...booleanFlag(option, arg.slice(eq + 1), byLong));
      continue;
    }
    if (eq === 2 && option && !arg.startsWith('--')) {
      out.push(name, arg.slice(3));
      continue;
    }
    out.push(arg);
    if (eq < 0 && takesValue(option) && (option!.required || (i + 1 < args.length && !args[i + 1]!.startsWith('-')))) {
      // the next token is this flag's value, never an operand
      if (i + 1 < args.length) out.push(args[++i]!);
      else throw new FlagSyntaxError(arg.startsWith('--') ? `flag needs an argument: ${arg}` : `flag needs an argument: '${arg[1]}' in ${arg}`);
    } else if (eq < 0 && !arg.startsWith('--') && arg.length > 2) {
      // a group like `-dit` or `-eFOO=1`: a value-taking flag inside eats the rest, or the next token
      for (let j = 1; j < arg.length; j++) {
        const inner = byShort.get(`-${arg[j]}`);
        if (!inner) break;
        if (takesValue(inner)) {
          if (j === arg.length - 1 && inner.required) {
            if (i + 1 >= args.length) throw new FlagSyntaxError(`flag needs an argument: '${arg[j]}' in -${arg[j]}`);
            out.push(args[++i]!);
          }
          break;
        }
      }
    }
  }
  return out;
}

function booleanFlag(option: Option, value: string, byLong: Map<string, Option>): string[] {
  const flag = option.long ?? option.short!;
  const label = option.short && option.long ? `${option.short}, ${option.long}` : flag;
  if (/^(1|t|T|true|TRUE|True)$/.test(value)) return [flag];
  if (/^(0|f|F|false|FALSE|False)$/.test(value)) {
    const negated = option.long ? byLong.get(option.long.replace(/^--/, '--no-')) : undefined;
    return negated ? [negated.long!] : [];
  }
  throw new FlagValueError(label, { value, reason: `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax` });
}

/** Translate what commander throws for help and version into a status; anything else passes. */
export function commanderStatus(err: unknown): number | undefined {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
    return err.exitCode || 1;
  }
  return undefined;
}
