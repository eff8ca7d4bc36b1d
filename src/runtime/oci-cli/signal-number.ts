import { constants } from 'node:os';
import { InvalidArgument } from '../../common/errors.js';

/** A signal as runc's kill takes it: a number, `KILL` or `SIGKILL`, in any case. */
export function signalNumber(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const upper = raw.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new InvalidArgument(`unknown signal "${raw}"`);
  return n;
}
