import { InvalidArgument } from '../../common/errors.js';

/** A flag of runc's command line (urfave/cli over Go's flag package). */
export interface FlagSpec {
  /** The first name is the one values are stored under; the others are aliases (`-b`). */
  names: string[];
  kind: 'string' | 'bool' | 'list';
  /** The line of the command's help. */
  help: string;
}

/** A command line that breaks the rules: runc answers "Incorrect Usage" with the help text. */
export class UsageError extends InvalidArgument {}

export class ParsedFlags {
  constructor(private readonly values: ReadonlyMap<string, string | boolean | string[]>) {}

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}

const helpFlag: FlagSpec = { names: ['help', 'h'], kind: 'bool', help: 'show help' };

function parseBool(name: string, raw: string): boolean {
  // The spellings strconv.ParseBool accepts.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw new UsageError(`invalid boolean value "${raw}" for -${name}: parse error`);
}

/**
 * Parses flags as runc does: `-name`, `--name`, `-name=value` and `-name value` are the same; `--`
 * ends the flags. With `interspersed`, flags may also follow the arguments (urfave/cli reorders
 * them), which runc allows for every command but `exec` and `ps`, whose trailing arguments are a
 * command line of their own. `-h`/`--help` is always known.
 */
export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  opts: { interspersed: boolean },
): { flags: ParsedFlags; args: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const s of [...specs, helpFlag]) for (const n of s.names) byName.set(n, s);
  const values = new Map<string, string | boolean | string[]>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.length < 2 || !a.startsWith('-')) {
      if (!opts.interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      args.push(a);
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec || name.length === 0 || name.startsWith('-')) throw new UsageError(`flag provided but not defined: -${name}`);
    const key = spec.names[0]!;
    if (spec.kind === 'bool') {
      values.set(key, eq < 0 ? true : parseBool(name, body.slice(eq + 1)));
      continue;
    }
    let value: string;
    if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (spec.kind === 'list') {
      const prev = values.get(key);
      values.set(key, [...(Array.isArray(prev) ? prev : []), value]);
    } else {
      values.set(key, value);
    }
  }
  return { flags: new ParsedFlags(values), args };
}
