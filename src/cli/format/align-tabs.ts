import { displayWidth } from './display-width.js';

export interface TabWriterOptions {
  /** Minimal cell width including padding. */
  minWidth: number;
  /** Added to the widest cell of a column. */
  padding: number;
  padChar?: string;
}

/** docker's table settings: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const DOCKER_TABLE: TabWriterOptions = { minWidth: 10, padding: 3 };

interface Cell {
  text: string;
  width: number;
}

/**
 * Aligns tab-terminated cells into columns with Go's text/tabwriter algorithm (elastic
 * tabstops). A column is a run of adjacent lines that all have a tab-terminated cell at that
 * index; the text after a line's last tab is not part of any column and is never padded.
 */
export function alignTabs(text: string, options: TabWriterOptions): string {
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: displayWidth(t) })));
  const pad = options.padChar ?? ' ';
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number) => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i]!;
      let row = '';
      cells.forEach((cell, j) => {
        row += cell.text;
        // the last cell of a line ends the line, not a column
        if (j < cells.length - 1 && j < widths.length) row += pad.repeat(Math.max(0, widths[j]! - cell.width));
      });
      out.push(row);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      // a column block starts here: print the lines before it, then size the block
      writeLines(line0, t);
      line0 = t;
      let width = options.minWidth;
      for (; t < line1; t++) {
        const cells = lines[t]!;
        if (column >= cells.length - 1) break;
        width = Math.max(width, cells[column]!.width + options.padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
