import type { CliContext } from '../cli-context.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';
import { templateText } from './render-formatted.js';
import { compactJson } from './compact-json.js';
import { indentJson } from './indent-json.js';
import { typedInspect, type InspectKind } from './typed-inspect.js';

/** One object as the daemon sent it, and what it is. */
export interface Inspected {
  json: string;
  kind: InspectKind;
}

/**
 * The docker CLI runs a template on its typed struct first and, when that fails, on the raw JSON
 * with missingkey=error, whose error is the one shown. Its volume inspect keeps no raw JSON: there
 * the typed error stands ("can't evaluate field Nope in type volume.Volume").
 */
function render(template: GoTemplate, o: Inspected): string {
  const raw: unknown = JSON.parse(o.json);
  try {
    return template.execute(typedInspect(raw, o.kind));
  } catch (err) {
    if (o.kind === 'volume') throw err;
    return template.execute(raw, { missingKeyError: true });
  }
}

/**
 * docker's inspect output: without a format, one JSON array of the objects as the daemon sent
 * them, indented 4 spaces (`--format json`: the same array on one line); with a template, one
 * line per object (see render). Objects that could not be fetched are reported after the output, exit 1.
 */
export async function writeInspect(
  ctx: CliContext,
  request: { names: string[]; format: string | undefined; fetch: (name: string) => Promise<Inspected> },
): Promise<number> {
  const { names, format, fetch } = request;
  let template: GoTemplate | undefined;
  if (format !== undefined && format !== '' && format !== 'json') {
    try {
      template = GoTemplate.parse(templateText(format));
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}\n`);
    }
  }
  const found: Inspected[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(await fetch(name));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (format === 'json') {
    ctx.out(`[${found.map((o) => compactJson(o.json)).join(',')}]\n`);
  } else if (!template) {
    ctx.out(found.length === 0 ? '[]\n' : `${indentJson(`[${found.map((o) => o.json.trim()).join(',')}]`, '    ')}\n`);
  } else {
    for (const o of found) {
      try {
        ctx.out(`${render(template, o)}\n`);
      } catch (err) {
        ctx.out('\n');
        throw new StatusError(1, `template parsing error: ${(err as Error).message}\n`);
      }
    }
  }
  if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
  return 0;
}
