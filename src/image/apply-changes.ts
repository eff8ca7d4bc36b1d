/**
 * Dockerfile instructions applied to an image's exec config, as `docker import --change` and
 * `docker commit --change` accept them (moby's BuildFromConfig): CMD, ENTRYPOINT, ENV, EXPOSE,
 * HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
import { posix } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import type { ImageExecConfig, ImageHealthcheck } from '../oci/image.js';

const validChangeCommands = new Set([
  'cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir',
]);

const defaultShell = ['/bin/sh', '-c'];

interface Instruction {
  /** As written, for messages. */
  name: string;
  rest: string;
  original: string;
}

/**
 * Returns a copy of `config` with `changes` applied in order. Throws InvalidArgument with
 * Docker's text for an instruction that is not a change command or does not parse.
 */
export function applyChanges(config: ImageExecConfig, changes: readonly string[], options: { buildArgs?: string[] } = {}): ImageExecConfig {
  const out: ImageExecConfig = structuredClone(config);
  if (changes.length === 0) return out;
  const instructions = splitInstructions(changes.join('\n'));
  for (const ins of instructions) {
    if (!validChangeCommands.has(ins.name.toLowerCase())) throw new InvalidArgument(`${ins.name} is not a valid change command`);
  }
  let cmdSet = false;
  for (const ins of instructions) {
    // Build arguments are substituted too, under the config's ENV (the last definition wins).
    const env = [...(options.buildArgs ?? []), ...(out.Env ?? [])];
    switch (ins.name.toLowerCase()) {
      case 'cmd':
        out.Cmd = commandLine(ins.rest, out);
        cmdSet = true;
        break;
      case 'entrypoint':
        out.Entrypoint = commandLine(ins.rest, out);
        // As Docker: a new ENTRYPOINT drops an inherited CMD unless a CMD came with it.
        if (!cmdSet) out.Cmd = null;
        break;
      case 'env': {
        for (const [k, v] of nameValues(ins, env)) setEnv(out, k, v);
        break;
      }
      case 'label': {
        const labels = { ...(out.Labels ?? {}) };
        for (const [k, v] of nameValues(ins, env)) labels[k] = v;
        out.Labels = labels;
        break;
      }
      case 'expose': {
        const ports = { ...(out.ExposedPorts ?? {}) };
        const words = splitWords(ins.rest).map((w) => processWord(w, env));
        if (words.length === 0) throw new InvalidArgument('EXPOSE requires at least one argument');
        for (const w of words) for (const p of parsePortSpec(w)) ports[p] = {};
        out.ExposedPorts = ports;
        break;
      }
      case 'user':
        out.User = singleWord(ins, env);
        break;
      case 'workdir': {
        const dir = singleWord(ins, env);
        if (dir === '') throw new InvalidArgument('WORKDIR requires exactly one argument');
        out.WorkingDir = posix.isAbsolute(dir) ? posix.normalize(dir) : posix.join('/', out.WorkingDir ?? '', dir);
        break;
      }
      case 'volume': {
        const json = parseJsonArray(ins.rest);
        const vols = json ?? splitWords(ins.rest).map((w) => processWord(w, env));
        if (vols.length === 0) throw new InvalidArgument('VOLUME requires at least one argument');
        const volumes = { ...(out.Volumes ?? {}) };
        for (const v of vols) {
          if (v.trim() === '') throw new InvalidArgument('VOLUME specified can not be an empty string');
          volumes[v.trim()] = {};
        }
        out.Volumes = volumes;
        break;
      }
      case 'stopsignal': {
        const sig = singleWord(ins, env);
        if (!isSignal(sig)) throw new InvalidArgument(`Invalid signal: ${sig}`);
        out.StopSignal = sig;
        break;
      }
      case 'onbuild': {
        const trigger = /^\s*(\S+)/.exec(ins.rest)?.[1]?.toUpperCase();
        if (trigger === undefined) throw new InvalidArgument('ONBUILD requires at least one argument');
        if (trigger === 'ONBUILD') throw new InvalidArgument('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
        if (trigger === 'FROM' || trigger === 'MAINTAINER') throw new InvalidArgument(`${trigger} isn't allowed as an ONBUILD trigger`);
        out.OnBuild = [...(out.OnBuild ?? []), ins.original.replace(/^\s*ONBUILD\s*/i, '')];
        break;
      }
      case 'healthcheck':
        out.Healthcheck = parseHealthcheck(ins.rest);
        break;
    }
  }
  return out;
}

/** Logical lines: `\` at the end of a line continues it; blank lines and `#` comments are skipped. */
function splitInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  const flush = () => {
    const line = current.trim();
    current = '';
    if (line === '') return;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    out.push({ name: m[1]!, rest: m[2]!.trim(), original: line });
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (current === '' && /^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, '');
      continue;
    }
    current += line;
    flush();
  }
  flush();
  return out;
}

/** The JSON (exec) form when `rest` is a JSON array of strings, as Docker's parseMaybeJSON. */
export function parseJsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: Docker falls back to the shell form.
  }
  return undefined;
}

function commandLine(rest: string, config: ImageExecConfig): string[] {
  return parseJsonArray(rest) ?? [...(config.Shell ?? defaultShell), rest];
}

function setEnv(config: ImageExecConfig, key: string, value: string): void {
  const env = [...(config.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  config.Env = env;
}

function singleWord(ins: Instruction, env: string[]): string {
  return processWord(ins.rest, env);
}

/** ENV and LABEL arguments: `k=v k2="v 2"`, or the legacy `k some value`. */
function nameValues(ins: Instruction, env: string[]): [string, string][] {
  const upper = ins.name.toUpperCase();
  const words = splitWords(ins.rest);
  if (words.length === 0) throw new InvalidArgument(`${upper} requires at least one argument`);
  const first = words[0]!;
  if (!first.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(ins.rest);
    if (!m) throw new InvalidArgument(`${upper} must have two arguments`);
    return [[processWord(m[1]!, env), processWord(m[2]!, env)]];
  }
  const out: [string, string][] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) throw new InvalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    const key = processWord(w.slice(0, eq), env);
    if (key === '') throw new InvalidArgument(`${upper} names can not be blank`);
    out.push([key, processWord(w.slice(eq + 1), env)]);
  }
  return out;
}

/** Splits on blanks outside quotes, keeping quotes and escapes for processWord. */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === '' && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += c;
    if (c === '\\' && quote !== "'" && i + 1 < s.length) {
      word += s[++i];
    } else if (quote === '' && (c === '"' || c === "'")) {
      quote = c;
    } else if (c === quote) {
      quote = '';
    }
  }
  if (inWord) words.push(word);
  return words;
}

function lookupEnv(env: string[], name: string): string | undefined {
  for (let i = env.length - 1; i >= 0; i--) {
    const e = env[i]!;
    if (e.startsWith(`${name}=`)) return e.slice(name.length + 1);
  }
  return undefined;
}

/** Quote removal, escapes and `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}` expansion, as Docker's shell lexer. */
export function processWord(word: string, env: string[]): string {
  let out = '';
  let i = 0;
  const expand = (): string => {
    // At '$'.
    const next = word[i + 1];
    if (next === '{') {
      const end = word.indexOf('}', i + 2);
      if (end < 0) throw new InvalidArgument(`missing '}' in "${word}"`);
      const body = word.slice(i + 2, end);
      i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(body);
      if (!m) throw new InvalidArgument(`bad substitution in "${word}"`);
      const value = lookupEnv(env, m[1]!);
      const op = m[2];
      const arg = m[3] ?? '';
      switch (op) {
        case ':-': return value === undefined || value === '' ? processWord(arg, env) : value;
        case '-': return value === undefined ? processWord(arg, env) : value;
        case ':+': return value === undefined || value === '' ? '' : processWord(arg, env);
        case '+': return value === undefined ? '' : processWord(arg, env);
        default: return value ?? '';
      }
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(word.slice(i + 1));
    if (!m) {
      i++;
      return '$';
    }
    i += 1 + m[0].length;
    return lookupEnv(env, m[0]) ?? '';
  };
  while (i < word.length) {
    const c = word[i]!;
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) throw new InvalidArgument(`unexpected end of statement while looking for matching single-quote in "${word}"`);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= word.length) throw new InvalidArgument(`unexpected end of statement while looking for matching double-quote in "${word}"`);
        const d = word[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < word.length && '"\\$'.includes(word[i + 1]!)) {
          out += word[i + 1];
          i += 2;
        } else if (d === '$') {
          out += expand();
        } else {
          out += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 < word.length) out += word[i + 1];
      i += 2;
    } else if (c === '$') {
      out += expand();
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` → `80/tcp`, ... as nat.ParsePortSpecs keys them. */
export function parsePortSpec(spec: string): string[] {
  const slash = spec.indexOf('/');
  const portPart = slash >= 0 ? spec.slice(0, slash) : spec;
  const proto = (slash >= 0 ? spec.slice(slash + 1) : 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new InvalidArgument(`invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
  if (!m) throw new InvalidArgument(`invalid containerPort: ${portPart}`);
  const start = Number(m[1]);
  const end = m[2] !== undefined ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start) throw new InvalidArgument(`invalid port range: ${portPart}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

const signalNames = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF',
  'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG', 'USR1', 'USR2',
  'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
]);

function isSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) <= 64;
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RT(MIN|MAX)([+-]\d+)?$/.exec(name);
  if (rt) return true;
  return signalNames.has(name);
}

/** Go's time.ParseDuration, to nanoseconds. */
function parseDuration(s: string, flag: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s === '') throw new InvalidArgument(`invalid argument "${s}" for "--${flag}" flag: time: invalid duration "${s}"`);
  return Math.round(total);
}

function parseHealthcheck(rest: string): ImageHealthcheck {
  let s = rest;
  const hc: ImageHealthcheck = {};
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
    const [, name, value] = m as unknown as [string, string, string];
    switch (name) {
      case 'interval': hc.Interval = parseDuration(value, name); break;
      case 'timeout': hc.Timeout = parseDuration(value, name); break;
      case 'start-period': hc.StartPeriod = parseDuration(value, name); break;
      case 'start-interval': hc.StartInterval = parseDuration(value, name); break;
      case 'retries': {
        if (!/^-?\d+$/.test(value)) throw new InvalidArgument(`invalid argument "${value}" for "--retries" flag`);
        hc.Retries = Number(value);
        if (hc.Retries < 0) throw new InvalidArgument('--retries cannot be negative');
        break;
      }
      default: throw new InvalidArgument(`Unknown flag: ${name}`);
    }
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s);
  if (!m) throw new InvalidArgument('HEALTHCHECK requires at least one argument');
  const type = m[1]!.toUpperCase();
  const args = m[2]!;
  if (type === 'NONE') {
    if (args !== '' || Object.keys(hc).length > 0) throw new InvalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw new InvalidArgument(`Unknown type "${m[1]}" in HEALTHCHECK (try CMD)`);
  const json = parseJsonArray(args);
  hc.Test = json ? ['CMD', ...json] : ['CMD-SHELL', args];
  return hc;
}
