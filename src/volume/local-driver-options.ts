import { InvalidArgument } from '../common/errors.js';

/** What the local driver takes with `-o`: a filesystem to mount as the volume's data. */
const VALID = new Set(['type', 'device', 'o']);

/** Checks `-o` options as the local driver does; the volume is named in the error. */
export function checkLocalOptions(name: string, options: Record<string, string>): void {
  for (const k of Object.keys(options)) {
    if (!VALID.has(k)) throw new InvalidArgument(`create ${name}: invalid option: "${k}"`);
  }
  if (Object.keys(options).length === 0) return;
  if (!options.type) throw new InvalidArgument(`create ${name}: missing required option: "type"`);
  if (!options.device) throw new InvalidArgument(`create ${name}: missing required option: "device"`);
}

/** Whether the volume's data is a filesystem mounted while containers use it (not a plain directory). */
export function hasDeviceMount(options: Record<string, string>): boolean {
  return Boolean(options.type || options.device);
}

/** The arguments of mount(8) that mount a volume's filesystem at `target`. */
export function mountArgs(options: Record<string, string>, target: string): string[] {
  return ['-t', options.type!, ...(options.o ? ['-o', options.o] : []), options.device!, target];
}
