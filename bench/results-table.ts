import type { Summary } from './stats.js';

export type Unit = 'ms' | 'containers/s' | 'MiB' | 'MiB/s';

/** A goal from issue 2, on the median. */
export type Goal =
  | { kind: 'ratio-at-most'; value: number }
  | { kind: 'ratio-at-least'; value: number }
  | { kind: 'below'; value: number };

/** One line of the results table: berth's figure next to the reference's. */
export interface Row {
  id: string;
  title: string;
  unit: Unit;
  berth?: Summary;
  /** Docker Engine's figure, or the reference runtime's (runc, crun) where the title says so. */
  docker?: Summary;
  goals: Goal[];
  notes: string[];
  errors: string[];
}

export function newRow(id: string, title: string, o: { unit: Unit; goals?: Goal[] }): Row {
  return { id, title, unit: o.unit, goals: o.goals ?? [], notes: [], errors: [] };
}

function num(v: number, unit: Unit): string {
  if (unit === 'MiB') return v.toFixed(2);
  if (unit === 'containers/s') return v.toFixed(1);
  if (unit === 'MiB/s') return v.toFixed(0);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function formatSummary(s: Summary | undefined, unit: Unit): string {
  if (!s) return '—';
  const u = unit === 'containers/s' ? '/s' : ` ${unit}`;
  if (s.n === 1 || s.p10 === s.p90) return `${num(s.median, unit)}${u}`;
  return `**${num(s.median, unit)}**${u} (${num(s.p10, unit)}–${num(s.p90, unit)})`;
}

export function ratioOf(r: Row): number | undefined {
  return r.berth && r.docker && r.docker.median > 0 ? r.berth.median / r.docker.median : undefined;
}

function goalText(g: Goal, unit: Unit): string {
  if (g.kind === 'ratio-at-most') return `≤ ${g.value}×`;
  if (g.kind === 'ratio-at-least') return `≥ ${g.value}×`;
  return `< ${g.value} ${unit}`;
}

/** "yes", "**no**", or "—" when a figure is missing. */
export function verdict(r: Row): string {
  if (r.goals.length === 0) return '';
  const ratio = ratioOf(r);
  const met = r.goals.map((g) => {
    if (g.kind === 'below') return r.berth ? r.berth.median < g.value : undefined;
    if (ratio === undefined) return undefined;
    return g.kind === 'ratio-at-most' ? ratio <= g.value : ratio >= g.value;
  });
  if (met.some((m) => m === false)) return '**no**';
  return met.every((m) => m === true) ? 'yes' : '—';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The results as one Markdown table, with notes and errors under it. */
export function renderTable(rows: Row[], labels: { berth: string; docker: string }): string {
  const out = [
    `| # | measurement | ${labels.berth} | ${labels.docker} | berth/ref | goal | met |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const ratio = ratioOf(r);
    out.push(`| ${r.id} | ${cell(r.title)} | ${formatSummary(r.berth, r.unit)} | ${formatSummary(r.docker, r.unit)} | ${ratio === undefined ? '—' : `${ratio.toFixed(2)}×`} | ${r.goals.map((g) => goalText(g, r.unit)).join(', ')} | ${verdict(r)} |`);
    for (const n of r.notes) notes.push(`- (${r.id}) ${n}`);
    for (const e of r.errors) notes.push(`- (${r.id}) **error:** ${e}`);
  }
  return [...out, '', ...notes].join('\n');
}
