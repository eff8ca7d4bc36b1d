const MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "256m", "1.5g", "512", "2GiB" in binary units. */
export function parseRamBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const value = Number.parseFloat(m[1]!);
  if (Number.isNaN(value)) throw new Error(`invalid size: '${text}'`);
  return Math.trunc(value * MULTIPLIERS[(m[2] ?? '').toLowerCase()]!);
}
