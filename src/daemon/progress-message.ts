import type { JSONMessage } from '../api/types/index.js';
import type { ProgressEvent } from '../image/progress.js';

/** go-units HumanSize: decimal units, 4 significant digits (`25.17MB`). */
function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** moby's JSONProgress.String(): `[=====>      ]  12.5MB/25MB`. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current).padStart(8)}`;
  const width = 50;
  const filled = Math.min(width, Math.floor((width * current) / total));
  const bar = `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] `;
  return `${bar}${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** A progress event as the Engine API streams it. */
export function toJsonMessage(e: ProgressEvent): JSONMessage {
  const m: JSONMessage = { status: e.status };
  if (e.current !== undefined) {
    m.progressDetail = { current: e.current, ...(e.total !== undefined ? { total: e.total } : {}) };
    m.progress = progressBar(e.current, e.total ?? 0);
  } else if (e.id !== undefined) {
    m.progressDetail = {};
  }
  if (e.id !== undefined) m.id = e.id;
  if (e.aux !== undefined) m.aux = e.aux;
  return m;
}
