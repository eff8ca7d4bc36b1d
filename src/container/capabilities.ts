import { InvalidArgument } from '../common/errors.js';
import { CAPABILITIES } from '../runtime/linux-constants.js';

/** A capability as Docker takes it: any case, with or without CAP_ ("ALL" stays CAP_ALL). */
export function normalizeCapability(name: string): string {
  const c = name.toUpperCase();
  return c.startsWith('CAP_') ? c : `CAP_${c}`;
}

/** Docker refuses an unknown capability at create, naming the list and the capability. */
export function checkCapabilities(h: { capAdd?: string[] | null; capDrop?: string[] | null }): void {
  for (const [field, list] of [['CapAdd', h.capAdd], ['CapDrop', h.capDrop]] as const) {
    for (const name of list ?? []) {
      const c = normalizeCapability(name);
      if (c !== 'CAP_ALL' && !CAPABILITIES.includes(c)) throw new InvalidArgument(`invalid ${field}: unknown capability: "${c}"`);
    }
  }
}
