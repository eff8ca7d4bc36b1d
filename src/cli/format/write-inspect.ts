import type { CliContext } from '../cli-context.js';
import { StatusError } from '../status-error.js';
import { GoTemplate } from '../template/go-template.js';
import { templateText } from './render-formatted.js';
import { compactJson } from './compact-json.js';
import { indentJson } from './indent-json.js';

/**
 * docker's inspect output: without a format, one JSON array of the objects as the daemon sent
 * them, indented 4 spaces (`--format json`: the same array on one line); with a template, one
 * line per object (missing keys are errors there). Objects that could not be fetched are reported after the output, exit 1.
 */
export async function writeInspect(
  ctx: CliContext,
  request: { names: string[]; format: string | undefined; fetch: (name: string) => Promise<string> },
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
  const raws: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      raws.push(await fetch(name));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (format === 'json') {
    ctx.out(`[${raws.map(compactJson).join(',')}]\n`);
  } else if (!template) {
    ctx.out(raws.length === 0 ? '[]\n' : `${indentJson(`[${raws.map((r) => r.trim()).join(',')}]`, '    ')}\n`);
  } else {
    for (const raw of raws) {
      try {
        ctx.out(`${template.execute(JSON.parse(raw), { missingKeyError: true })}\n`);
      } catch (err) {
        ctx.out('\n');
        throw new StatusError(1, `template parsing error: ${(err as Error).message}\n`);
      }
    }
  }
  if (errors.length > 0) throw new StatusError(1, `${errors.join('\n')}\n`);
  return 0;
}
