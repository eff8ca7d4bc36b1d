import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Conflict, errnoCode, NotImplemented } from '../../common/errors.js';
import { defaultSpec } from './default-spec.js';
import type { OciCommand } from './oci-command.js';

/** `spec [--bundle DIR]`: write a default config.json (tab-indented, as runc writes it); an existing one is kept. */
export const specCommand: OciCommand = {
  name: 'spec',
  usage: '',
  description: 'create a new specification file',
  flags: [
    { names: ['bundle', 'b'], kind: 'string', help: 'path to the root of the bundle directory' },
    { names: ['rootless'], kind: 'bool', help: 'not supported: generate a configuration for a rootless container' },
  ],
  args: { min: 0, max: 0 },
  interspersed: true,
  async run(_ctx, _args, flags) {
    if (flags.bool('rootless')) throw new NotImplemented('--rootless is not supported');
    const path = join(flags.string('bundle') || '.', 'config.json');
    try {
      writeFileSync(path, JSON.stringify(defaultSpec(), null, '\t'), { flag: 'wx', mode: 0o666 });
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw new Conflict('File config.json exists. Remove it first', { cause: err });
      throw err;
    }
    return 0;
  },
};
