import { resolve } from 'node:path';
import { atomicWrite } from '../../common/atomic-write.js';

/**
 * Writes the pid as runc does (digits, no newline) through a rename, so a reader polling for the
 * file never sees it empty. Not fsynced: a pid means nothing after a crash.
 */
export async function writePidFile(path: string, pid: number): Promise<void> {
  await atomicWrite(resolve(path), String(pid), { sync: false, mode: 0o644 });
}
