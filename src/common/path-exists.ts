import { lstat } from 'node:fs/promises';
import { isNotFoundError } from './errors.js';

/** Whether something (a symlink itself included) is at `p`; other errors than ENOENT are thrown. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (isNotFoundError(err)) return false;
    throw err;
  }
}
