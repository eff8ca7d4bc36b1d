/**
 * Lines laid out as Go's text/tabwriter lays out runc's tables (minwidth 12, padding 3, spaces):
 * each column but the last is as wide as its widest cell plus the padding, and at least minwidth.
 */
export function tabTable(rows: readonly (readonly string[])[], opts = { minWidth: 12, padding: 3 }): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(opts.minWidth, cell.length + opts.padding));
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('') + '\n').join('');
}
