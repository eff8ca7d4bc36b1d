import { GoTemplate } from '../template/go-template.js';
import { HEADER_FUNCTIONS } from '../template/template-functions.js';
import { DOCKER_TABLE, alignTabs } from './align-tabs.js';

export const TABLE_FORMAT = 'table';
export const JSON_FORMAT = '{{json .}}';

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_FORMAT);
}

/** The template text docker executes for a `--format` value (its Context.preFormat). */
export function templateText(format: string): string {
  let text = format;
  if (isTableFormat(text)) text = text.slice(TABLE_FORMAT.length);
  else if (text === 'json') text = JSON_FORMAT;
  return text.trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n');
}

/** Thrown for a `--format` that does not parse or execute; docker exits 1 with this text. */
export class FormatError extends Error {}

/**
 * Render rows with a docker format: each row through the template plus a newline; for `table`
 * formats a header row (the template run on `header` with the header functions) and columns
 * aligned with docker's tabwriter settings.
 */
export function renderFormatted(format: string, rows: readonly object[], options: { header: object }): string {
  let template: GoTemplate;
  try {
    template = GoTemplate.parse(templateText(format));
  } catch (err) {
    throw new FormatError(`template parsing error: ${(err as Error).message}`);
  }
  let body = '';
  for (const row of rows) {
    try {
      body += `${template.execute(row)}\n`;
    } catch (err) {
      throw new FormatError(`template parsing error: ${(err as Error).message}`);
    }
  }
  if (!isTableFormat(format)) return body;
  let head = '';
  try {
    head = template.execute(options.header, { functions: HEADER_FUNCTIONS });
  } catch {
    // docker ignores header errors (the header context has no methods)
  }
  return alignTabs(`${head}\n${body}`, DOCKER_TABLE);
}
