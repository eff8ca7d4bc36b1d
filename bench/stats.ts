/** Median and spread of a set of samples. */
export interface Summary {
  median: number;
  p10: number;
  p90: number;
  n: number;
}

/** The q-quantile (0..1) of sorted samples, interpolating between neighbours. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9), n: s.length };
}

export function median(samples: number[]): number {
  return summarize(samples).median;
}
