/**
 * A mount to perform, as `mount -t <type> -o <options joined by ","> <source> <target>` takes it.
 * Snapshotters return these and never mount; the container executor does.
 */
export interface Mount {
  type: string;
  source: string;
  options: string[];
}
