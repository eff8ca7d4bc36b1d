import { BASIC_FUNCTIONS, type TemplateFunction } from './template-functions.js';
import { type Operand, type Pipeline, type TemplateNode, parseTemplate } from './parse-template.js';
import { GoNil, formatTemplateValue, isTrue } from './template-value.js';

/**
 * Objects that stand for a Go struct (docker's formatter contexts) carry their Go type name
 * here, so an unknown field is an error as in Go, not `<no value>` as for a map.
 */
export const GO_TYPE_NAME = Symbol('goTypeName');

export class TemplateExecError extends Error {
  constructor(source: string, at: { pos: number; node: string; detail: string }) {
    const { pos, node, detail } = at;
    const before = source.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - (before.lastIndexOf('\n') + 1);
    super(`template: :${line}:${col}: executing "" at <${node}>: ${detail}`);
    this.name = 'TemplateExecError';
  }
}

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

export interface ExecuteOptions {
  functions?: Record<string, TemplateFunction>;
  /** Go's `missingkey=error`: a missing map key fails instead of printing `<no value>`. */
  missingKeyError?: boolean;
}

/** A parsed template. Parse once, execute per row. */
export class GoTemplate {
  readonly source: string;
  private readonly nodes: TemplateNode[];

  private constructor(source: string, nodes: TemplateNode[]) {
    this.source = source;
    this.nodes = nodes;
  }

  /** Throws TemplateParseError ("template: :1: unclosed action"). */
  static parse(source: string): GoTemplate {
    return new GoTemplate(source, parseTemplate(source));
  }

  execute(data: unknown, options: ExecuteOptions = {}): string {
    const out: string[] = [];
    this.missingKeyError = options.missingKeyError ?? false;
    this.run(this.nodes, { dot: data, vars: new Map([['$', data]]) }, options.functions ?? BASIC_FUNCTIONS, out);
    return out.join('');
  }

  private missingKeyError = false;

  private run(nodes: TemplateNode[], scope: Scope, fns: Record<string, TemplateFunction>, out: string[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out.push(node.text);
          break;
        case 'action': {
          const value = this.pipeline(node.pipeline, scope, fns);
          if (node.pipeline.declare.length === 0) out.push(formatTemplateValue(value));
          break;
        }
        case 'if': {
          const value = this.pipeline(node.pipeline, scope, fns);
          this.run(isTrue(value) ? node.body : node.otherwise, scope, fns, out);
          break;
        }
        case 'with': {
          const value = this.pipeline(node.pipeline, scope, fns);
          if (isTrue(value)) this.run(node.body, { dot: value, vars: new Map(scope.vars) }, fns, out);
          else this.run(node.otherwise, scope, fns, out);
          break;
        }
        case 'range': {
          const value = this.pipeline({ ...node.pipeline, declare: [] }, scope, fns);
          const entries: [unknown, unknown][] = Array.isArray(value)
            ? value.map((v, i) => [i, v])
            : value && typeof value === 'object'
              ? Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]])
              : [];
          if (entries.length === 0) {
            this.run(node.otherwise, scope, fns, out);
            break;
          }
          const names = node.pipeline.declare;
          for (const [key, element] of entries) {
            const vars = new Map(scope.vars);
            if (names.length === 1) vars.set(names[0]!, element);
            if (names.length === 2) {
              vars.set(names[0]!, key);
              vars.set(names[1]!, element);
            }
            this.run(node.body, { dot: element, vars }, fns, out);
          }
          break;
        }
      }
    }
  }

  private pipeline(pipeline: Pipeline, scope: Scope, fns: Record<string, TemplateFunction>): unknown {
    let value: unknown;
    let hasValue = false;
    for (const command of pipeline.commands) {
      const final = hasValue ? [value] : [];
      value = this.command(command.args, scope, fns, final);
      hasValue = true;
    }
    for (const name of pipeline.declare) scope.vars.set(name, value);
    return value;
  }

  private command(args: Operand[], scope: Scope, fns: Record<string, TemplateFunction>, final: unknown[]): unknown {
    const head = args[0]!;
    const rest = () => [...args.slice(1).map((a) => this.operand(a, scope, fns)), ...final];
    if (head.kind === 'identifier') {
      const fn = fns[head.name];
      if (!fn) throw new TemplateExecError(this.source, { pos: head.pos, node: head.name, detail: `function "${head.name}" not defined` });
      try {
        return fn(...rest());
      } catch (err) {
        if (err instanceof TemplateExecError) throw err;
        throw new TemplateExecError(this.source, { pos: head.pos, node: head.name, detail: (err as Error).message });
      }
    }
    if (head.kind === 'field' || head.kind === 'variable' || head.kind === 'pipeline') {
      const extra = rest();
      return this.operand(head, scope, fns, args.length > 1 || final.length > 0 ? extra : undefined);
    }
    if (args.length > 1 || final.length > 0) throw new Error(`can't give argument to non-function ${describe(head)}`);
    return this.operand(head, scope, fns);
  }

  private operand(op: Operand, scope: Scope, fns: Record<string, TemplateFunction>, callArgs?: unknown[]): unknown {
    switch (op.kind) {
      case 'string':
      case 'number':
      case 'bool':
        return op.value;
      case 'nil':
        return null;
      case 'identifier': {
        const fn = fns[op.name];
        if (!fn) throw new TemplateExecError(this.source, { pos: op.pos, node: op.name, detail: `function "${op.name}" not defined` });
        return fn();
      }
      case 'field':
        return this.chain(scope.dot, op.chain, op, callArgs);
      case 'variable': {
        if (!scope.vars.has(op.name)) throw new TemplateExecError(this.source, { pos: op.pos, node: op.name, detail: `undefined variable "${op.name}"` });
        return this.chain(scope.vars.get(op.name), op.chain, op, callArgs);
      }
      case 'pipeline':
        return this.chain(this.pipeline(op.pipeline, scope, fns), op.chain, op, callArgs);
    }
  }

  /** Walk `.A.B.C`; a method at the end of the chain is called with the command's arguments. */
  private chain(start: unknown, chain: string[], op: Operand & { pos: number }, callArgs: unknown[] | undefined): unknown {
    let value = start;
    const node = describe(op);
    for (let i = 0; i < chain.length; i++) {
      const name = chain[i]!;
      const last = i === chain.length - 1;
      if (value === null || value === undefined) return undefined;
      if (value instanceof GoNil) {
        // A nil map has no entries; a nil pointer or slice has no fields to evaluate.
        if (value.kind === 'map') return undefined;
        const detail = value.kind === 'pointer' ? `nil pointer evaluating ${value.type}.${name}` : `can't evaluate field ${name} in type ${value.type}`;
        throw new TemplateExecError(this.source, { pos: op.pos, node, detail });
      }
      if (typeof value !== 'object') {
        throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `can't evaluate field ${name} in type ${goTypeOf(value)}` });
      }
      const typeName = (value as { [GO_TYPE_NAME]?: string })[GO_TYPE_NAME];
      if (typeName !== undefined && !(name in value)) {
        throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `can't evaluate field ${name} in type ${typeName}` });
      }
      if (Array.isArray(value)) {
        throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `can't evaluate field ${name} in type []interface {}` });
      }
      if (this.missingKeyError && typeName === undefined && !(name in value)) {
        throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `map has no entry for key ${JSON.stringify(name)}` });
      }
      const member = (value as Record<string, unknown>)[name];
      if (typeof member === 'function') {
        const args = last && callArgs ? callArgs : [];
        value = (member as (...a: unknown[]) => unknown).apply(value, args);
        continue;
      }
      if (last && callArgs && callArgs.length > 0) {
        throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `${name} has arguments but cannot be invoked as function` });
      }
      value = member;
    }
    if (chain.length === 0 && callArgs && callArgs.length > 0) {
      throw new TemplateExecError(this.source, { pos: op.pos, node: node, detail: `can't give argument to non-function ${node}` });
    }
    return value;
  }
}

function describe(op: Operand): string {
  switch (op.kind) {
    case 'field':
      return op.chain.length === 0 ? '.' : `.${op.chain.join('.')}`;
    case 'variable':
      return [op.name, ...op.chain].join('.');
    case 'identifier':
      return op.name;
    case 'pipeline':
      return `(…)${op.chain.map((c) => `.${c}`).join('')}`;
    case 'string':
      return JSON.stringify(op.value);
    case 'number':
    case 'bool':
      return String(op.value);
    case 'nil':
      return 'nil';
  }
}

function goTypeOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'interface {}';
  }
}
