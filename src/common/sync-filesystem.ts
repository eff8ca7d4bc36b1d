import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Internal, messageOf } from './errors.js';

const execFileP = promisify(execFile);

/** syncfs(2) of the filesystem holding `dir` (Node has no binding for it; coreutils' `sync -f` is one call). */
export async function syncFilesystem(dir: string): Promise<void> {
  try {
    await execFileP('sync', ['-f', dir]);
  } catch (err) {
    throw new Internal(`flush the filesystem of "${dir}" to disk: ${messageOf(err)}`, { cause: err });
  }
}
