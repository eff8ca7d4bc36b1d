import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, InvalidArgument, isNotFoundError, messageOf, NotFound } from '../../common/errors.js';
import type { OciSpec } from '../../oci/runtime-spec.js';
import { errnoText } from '../linux-constants.js';
import { validateProcess } from './validate-process.js';

const errnoNumbers: Record<string, number> = { ENOENT: 2, EACCES: 13, ENOTDIR: 20, ELOOP: 40 };

/** A bundle's absolute, symlink-free directory (runc chdirs there and asks getcwd) and its config. */
export function loadBundle(bundleArg: string): { bundle: string; spec: OciSpec } {
  let bundle: string;
  try {
    bundle = realpathSync(bundleArg);
  } catch (err) {
    const code = errnoCode(err) ?? '';
    const text = code in errnoNumbers ? errnoText(errnoNumbers[code]!) : messageOf(err);
    throw new NotFound(`chdir ${bundleArg}: ${text}`, { cause: err });
  }
  let text: string;
  try {
    text = readFileSync(join(bundle, 'config.json'), 'utf8');
  } catch (err) {
    if (isNotFoundError(err)) throw new NotFound('JSON specification file config.json not found', { cause: err });
    throw err;
  }
  let spec: OciSpec;
  try {
    spec = JSON.parse(text) as OciSpec;
  } catch (err) {
    throw new InvalidArgument(`config.json: ${messageOf(err)}`, { cause: err });
  }
  validateProcess(spec.process);
  if (!spec.root?.path) throw new InvalidArgument('root.path must be set');
  return { bundle, spec };
}
