/**
 * One redraw of the streamed `docker stats` table, byte for byte as docker 28 writes it whether
 * or not stdout is a terminal: cursor home and the table, then (docker appends to the same
 * buffer) cursor home again and every line of that text followed by " " and erase-to-end-of-line,
 * and finally erase below, so a shorter table leaves nothing of the last one on a terminal. Tools
 * that read docker's piped stream see this same shape.
 */
export function statsFrame(table: string): string {
  const drawn = `\x1b[H${table}`;
  return `${drawn}${drawn.split('\n').map((line) => `${line} \x1b[K\n`).join('')}\x1b[J`;
}
