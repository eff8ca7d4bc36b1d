/** Repeatable string flags (`-e A -e B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Integer flags (`-t 10`, `-n 3`), parsed strictly as strconv.Atoi does. */
export function parseIntFlag(value: string): number {
  if (!/^[-+]?\d+$/.test(value)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}
