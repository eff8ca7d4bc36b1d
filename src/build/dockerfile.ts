/**
 * A Dockerfile as a list of instructions. dockerfile-ast finds the instructions (with their line
 * numbers), the parser directives, continuations and comments; this module adds Docker's checks
 * (unknown instructions, missing arguments, unknown flags: moby's parse errors with the line
 * number) and cuts heredocs out of RUN, COPY and ADD.
 */
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';
import { InvalidArgument } from '../common/errors.js';

export interface Flag {
  name: string;
  value: string | null;
}

export interface Heredoc {
  name: string;
  /** The body, ending with a newline; leading tabs removed for `<<-`. */
  content: string;
  /** Variables are expanded in the body unless the delimiter was quoted. */
  expand: boolean;
}

export interface Instruction {
  /** Upper case. */
  keyword: string;
  /** 1-based line of the instruction's first line. */
  line: number;
  /** As Docker prints it in "Step N/M : …": continuations joined, comments inside dropped. */
  original: string;
  /** The arguments, flags removed, continuations joined (heredoc bodies removed). */
  args: string;
  flags: Flag[];
  heredocs: Heredoc[];
}

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

const ALLOWED_FLAGS: Record<string, string[]> = {
  ADD: ['chown', 'chmod', 'checksum', 'keep-git-dir', 'link'],
  ARG: [], CMD: [], ENTRYPOINT: [], ENV: [], EXPOSE: [], LABEL: [], MAINTAINER: [], ONBUILD: [], RUN: [],
  COPY: ['from', 'chown', 'chmod', 'link'],
  FROM: ['platform'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
  SHELL: [], STOPSIGNAL: [], USER: [], VOLUME: [], WORKDIR: [],
};

/** Instructions whose arguments may not be empty, with moby's message. */
const NEEDS_ARGS: Record<string, string> = {
  ARG: 'ARG requires exactly one argument',
  ENV: 'ENV requires at least one argument',
  LABEL: 'LABEL requires at least one argument',
  EXPOSE: 'EXPOSE requires at least one argument',
  VOLUME: 'VOLUME requires at least one argument',
  USER: 'USER requires exactly one argument',
  WORKDIR: 'WORKDIR requires exactly one argument',
  STOPSIGNAL: 'STOPSIGNAL requires exactly one argument',
  FROM: 'FROM requires either one or three arguments',
  MAINTAINER: 'MAINTAINER requires exactly one argument',
  ONBUILD: 'ONBUILD requires at least one argument',
  SHELL: 'SHELL requires at least one argument',
  HEALTHCHECK: 'HEALTHCHECK requires at least one argument',
  COPY: 'COPY requires at least two arguments',
  ADD: 'ADD requires at least two arguments',
};

const HEREDOC_RE = /<<(-?)(["']?)([A-Za-z0-9_]+)\2/g;
const HAS_HEREDOC = /<<-?(["']?)[A-Za-z0-9_]+\1/;

/** moby's text for a Dockerfile that does not parse: `dockerfile parse error line 3: …`. */
export function parseError(line: number, message: string): InvalidArgument {
  return new InvalidArgument(`dockerfile parse error line ${line}: ${message}`);
}

export function parseDockerfile(text: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter();
  const instructions = ast.getInstructions().map((ins) => toInstruction(ins, escape));
  return { escape, instructions };
}

/** An ONBUILD trigger (`RUN echo x`) as an instruction of the build that inherits it. */
export function parseTrigger(trigger: string, escape: string): Instruction {
  const [ins] = parseDockerfile(`# escape=${escape}\n${trigger}\n`).instructions;
  if (!ins) throw new InvalidArgument(`invalid ONBUILD trigger: "${trigger}"`);
  return ins;
}

function toInstruction(ins: AstInstruction, escape: string): Instruction {
  const line = ins.getRange().start.line + 1;
  const keyword = ins.getKeyword().toUpperCase();
  const allowed = ALLOWED_FLAGS[keyword];
  if (!allowed) throw parseError(line, `unknown instruction: ${ins.getInstruction().toUpperCase()}`);
  const withFlags = ins as AstInstruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  const flags = (withFlags.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() }));
  for (const f of flags) if (!allowed.includes(f.name)) throw parseError(line, `Unknown flag: ${f.name}`);
  const physical = ins.getTextContent().split(/\r?\n/);
  let args = ins.getArgumentsContent() ?? '';
  let original = joinContinuations(physical, escape);
  const heredocs: Heredoc[] = [];
  if (['RUN', 'COPY', 'ADD'].includes(keyword) && physical.length > 1 && HAS_HEREDOC.test(physical[0]!)) {
    const head = joinContinuations([physical[0]!], escape);
    original = head;
    args = args.split('\n')[0]!;
    let rest = physical.slice(1);
    for (const m of physical[0]!.matchAll(HEREDOC_RE)) {
      const end = rest.findIndex((l) => (m[1] ? l.replace(/^\t+/, '') : l) === m[3]);
      if (end < 0) throw parseError(line, `unterminated heredoc ${m[3]!}`);
      const body = rest.slice(0, end).map((l) => (m[1] ? l.replace(/^\t+/, '') : l));
      heredocs.push({ name: m[3]!, content: body.map((l) => `${l}\n`).join(''), expand: m[2] === '' });
      rest = rest.slice(end + 1);
    }
  }
  if (args.trim() === '' && NEEDS_ARGS[keyword]) throw parseError(line, NEEDS_ARGS[keyword]!);
  return { keyword, line, original, args: args.trim(), flags, heredocs };
}

/** The physical lines of one instruction as one line: escaped newlines joined, comment lines dropped. */
function joinContinuations(lines: string[], escape: string): string {
  let out = '';
  lines.forEach((l, i) => {
    if (i > 0 && /^\s*#/.test(l)) return;
    const t = l.replace(/\s+$/, '');
    out += t.endsWith(escape) ? t.slice(0, -escape.length) : l;
  });
  return out.trim();
}
