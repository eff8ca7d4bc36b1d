/**
 * Parser for the subset of Go's text/template that docker's `--format` users write:
 * `{{.A.B}}`, `{{json .}}`, `{{index .Labels "k"}}`, pipelines with `|`, parenthesised
 * pipelines, `{{if}}`/`{{else}}`/`{{end}}`, `{{range}}` and `{{with}}` (with `$v :=`
 * declarations), `{{- -}}` trimming and comment actions.
 */

export type Operand =
  | { kind: 'field'; chain: string[]; pos: number }
  | { kind: 'variable'; name: string; chain: string[]; pos: number }
  | { kind: 'identifier'; name: string; pos: number }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'pipeline'; pipeline: Pipeline; chain: string[]; pos: number };

export interface Command {
  args: Operand[];
}

export interface Pipeline {
  /** Variables declared with `:=` (`$v` or `$k, $v` in range). */
  declare: string[];
  commands: Command[];
}

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline; pos: number }
  | { kind: 'if' | 'with' | 'range'; pipeline: Pipeline; body: TemplateNode[]; otherwise: TemplateNode[]; pos: number };

export class TemplateParseError extends Error {
  constructor(line: number, detail: string) {
    super(`template: :${line}: ${detail}`);
    this.name = 'TemplateParseError';
  }
}

type Token =
  | { t: 'field'; v: string; pos: number }
  | { t: 'var'; v: string; pos: number }
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: 'op'; v: '|' | '(' | ')' | ':=' | '=' | ','; pos: number };

interface RawAction {
  body: string;
  /** Offset of `body` in the template source. */
  pos: number;
}

type Piece = { kind: 'text'; text: string } | { kind: 'action'; action: RawAction };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with']);

export function parseTemplate(source: string): TemplateNode[] {
  const pieces = splitActions(source);
  const lineOf = (pos: number) => source.slice(0, pos).split('\n').length;
  let index = 0;

  const parseList = (terminators: Set<string>): { nodes: TemplateNode[]; end: string; endTokens: Token[]; endPos: number } => {
    const nodes: TemplateNode[] = [];
    while (index < pieces.length) {
      const piece = pieces[index++]!;
      if (piece.kind === 'text') {
        if (piece.text !== '') nodes.push({ kind: 'text', text: piece.text });
        continue;
      }
      const { action } = piece;
      const tokens = tokenize(action.body, action.pos, lineOf);
      if (tokens.length === 0) throw new TemplateParseError(lineOf(action.pos), 'missing value for command');
      const first = tokens[0]!;
      if (first.t === 'ident' && KEYWORDS.has(first.v)) {
        const keyword = first.v;
        if (keyword === 'end' || keyword === 'else') {
          if (!terminators.has(keyword)) throw new TemplateParseError(lineOf(action.pos), `unexpected {{${keyword}}}`);
          return { nodes, end: keyword, endTokens: tokens.slice(1), endPos: action.pos };
        }
        nodes.push(parseControl(keyword as 'if' | 'with' | 'range', tokens.slice(1), action.pos));
        continue;
      }
      nodes.push({ kind: 'action', pipeline: parsePipeline(tokens, lineOf(action.pos), true), pos: action.pos });
    }
    if (terminators.size > 0) throw new TemplateParseError(lineOf(source.length), 'unexpected EOF');
    return { nodes, end: '', endTokens: [], endPos: source.length };
  };

  const parseControl = (kind: 'if' | 'with' | 'range', tokens: Token[], pos: number): TemplateNode => {
    const line = lineOf(pos);
    if (tokens.length === 0) throw new TemplateParseError(line, `missing value for ${kind}`);
    const pipeline = parsePipeline(tokens, line, true);
    const body = parseList(new Set(['end', 'else']));
    let otherwise: TemplateNode[] = [];
    if (body.end === 'else') {
      if (body.endTokens.length > 0) {
        // `{{else if …}}` / `{{else with …}}` chains into a nested node that shares our {{end}}
        const chained = body.endTokens[0]!;
        if (chained.t !== 'ident' || (chained.v !== 'if' && chained.v !== 'with')) {
          throw new TemplateParseError(lineOf(body.endPos), 'unexpected token in else');
        }
        otherwise = [parseControl(chained.v, body.endTokens.slice(1), body.endPos)];
      } else {
        const rest = parseList(new Set(['end']));
        otherwise = rest.nodes;
      }
    }
    return { kind, pipeline, body: body.nodes, otherwise, pos };
  };

  const result = parseList(new Set());
  return result.nodes;
}

function splitActions(source: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let text = '';
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    let start = open + 2;
    if (source.startsWith('- ', start) || source.startsWith('-\t', start) || source.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 2;
    }
    const close = findClose(source, start);
    if (close < 0) throw new TemplateParseError(source.slice(0, open).split('\n').length, 'unclosed action');
    let bodyEnd = close;
    let trimRight = false;
    if (/\s-$/.test(source.slice(start, close))) {
      bodyEnd = close - 1;
      trimRight = true;
    }
    pieces.push({ kind: 'text', text });
    text = '';
    const body = source.slice(start, bodyEnd);
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) pieces.push({ kind: 'action', action: { body, pos: start } });
    i = close + 2;
    if (trimRight) {
      while (i < source.length && /\s/.test(source[i]!)) i++;
    }
  }
  pieces.push({ kind: 'text', text });
  return pieces;
}

function findClose(source: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === '`') quote = c;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

function tokenize(body: string, offset: number, lineOf: (pos: number) => number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (detail: string): never => {
    throw new TemplateParseError(lineOf(offset + i), detail);
  };
  while (i < body.length) {
    const c = body[i]!;
    const pos = offset + i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '|' || c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'op', v: c, pos });
      i++;
    } else if (c === ':' && body[i + 1] === '=') {
      tokens.push({ t: 'op', v: ':=', pos });
      i += 2;
    } else if (c === '=') {
      tokens.push({ t: 'op', v: '=', pos });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) fail('unterminated quoted string');
      try {
        tokens.push({ t: 'string', v: JSON.parse(body.slice(i, j + 1)) as string, pos });
      } catch {
        fail(`invalid syntax: ${body.slice(i, j + 1)}`);
      }
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      if (j < 0) fail('unterminated raw quoted string');
      tokens.push({ t: 'string', v: body.slice(i + 1, j), pos });
      i = j + 1;
    } else if (c === '.' || c === '$') {
      const m = /^[.$][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(body.slice(i))!;
      tokens.push({ t: c === '.' ? 'field' : 'var', v: m[0], pos });
      i += m[0].length;
    } else if (/[0-9+-]/.test(c)) {
      const m = /^[+-]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/.exec(body.slice(i));
      if (!m) fail(`bad number syntax: "${c}"`);
      tokens.push({ t: 'number', v: Number(m![0]), pos });
      i += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))!;
      tokens.push({ t: 'ident', v: m[0], pos });
      i += m[0].length;
    } else {
      fail(`unexpected "${c}" in command`);
    }
  }
  return tokens;
}

function parsePipeline(tokens: Token[], line: number, allowDeclare: boolean): Pipeline {
  let i = 0;
  const declare: string[] = [];
  if (allowDeclare) {
    // `$v :=` or `$k, $v :=`
    const decl = tokens.findIndex((t) => t.t === 'op' && (t.v === ':=' || t.v === '='));
    if (decl > 0 && tokens.slice(0, decl).every((t) => t.t === 'var' || (t.t === 'op' && t.v === ','))) {
      for (const t of tokens.slice(0, decl)) if (t.t === 'var') declare.push(t.v);
      i = decl + 1;
    }
  }
  const commands: Command[] = [];
  let args: Operand[] = [];
  const operand = (): Operand => {
    const t = tokens[i++]!;
    switch (t.t) {
      // Go places a chain (`.A.B`, `$x.A`) at the field after the first term: errors name that column.
      case 'field': {
        const chain = t.v === '.' ? [] : t.v.slice(1).split('.');
        return { kind: 'field', chain, pos: chain.length > 1 ? t.pos + 1 + chain[0]!.length : t.pos };
      }
      case 'var': {
        const [name, ...chain] = t.v.split('.');
        return { kind: 'variable', name: name!, chain, pos: chain.length > 0 ? t.pos + name!.length : t.pos };
      }
      case 'string':
        return { kind: 'string', value: t.v };
      case 'number':
        return { kind: 'number', value: t.v };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { kind: 'bool', value: t.v === 'true' };
        if (t.v === 'nil') return { kind: 'nil' };
        return { kind: 'identifier', name: t.v, pos: t.pos };
      case 'op': {
        if (t.v !== '(') throw new TemplateParseError(line, `unexpected "${t.v}" in operand`);
        let depth = 1;
        const start = i;
        while (i < tokens.length && depth > 0) {
          const u = tokens[i++]!;
          if (u.t === 'op' && u.v === '(') depth++;
          if (u.t === 'op' && u.v === ')') depth--;
        }
        if (depth > 0) throw new TemplateParseError(line, 'unclosed left paren');
        const inner = parsePipeline(tokens.slice(start, i - 1), line, false);
        let chain: string[] = [];
        const next = tokens[i];
        if (next && next.t === 'field' && next.v !== '.' && next.pos === tokens[i - 1]!.pos + 1) {
          chain = next.v.slice(1).split('.');
          i++;
        }
        return { kind: 'pipeline', pipeline: inner, chain, pos: t.pos };
      }
    }
  };
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.t === 'op' && t.v === '|') {
      if (args.length === 0) throw new TemplateParseError(line, 'missing command');
      commands.push({ args });
      args = [];
      i++;
      continue;
    }
    if (t.t === 'op' && (t.v === ')' || t.v === ',' || t.v === ':=' || t.v === '=')) {
      throw new TemplateParseError(line, `unexpected "${t.v}" in command`);
    }
    args.push(operand());
  }
  if (args.length === 0) throw new TemplateParseError(line, 'missing command');
  commands.push({ args });
  return { declare, commands };
}
