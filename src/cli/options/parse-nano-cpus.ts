/** `--cpus 1.5` → 1500000000 NanoCpus, exactly (no float rounding), as docker's NanoCPUs does. */
export function parseNanoCpus(text: string): number {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`failed to parse ${text} as a rational number`);
  const fraction = m[2] ?? '';
  if (fraction.replace(/0+$/, '').length > 9) throw new Error('value is too precise');
  return Number(m[1] || '0') * 1e9 + Number(fraction.padEnd(9, '0').slice(0, 9));
}
