import { constants } from 'node:os';
import { InvalidArgument } from '../common/errors.js';

const signals = constants.signals as Record<string, number>;

/** Parses a signal as Docker accepts it: "9", "KILL", "SIGKILL", "sigkill". */
export function parseSignal(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 0 || n > 64) throw new InvalidArgument(`Invalid signal: ${s}`);
    return n;
  }
  const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
  const rt = /^SIGRTMIN\+(\d+)$/.exec(name);
  if (rt) return 34 + Number(rt[1]);
  const n = signals[name];
  if (n === undefined) throw new InvalidArgument(`Invalid signal: ${s}`);
  return n;
}

export const SIGKILL = 9;
export const SIGTERM = 15;
