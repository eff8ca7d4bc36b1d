import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidArgument } from '../../common/errors.js';
import { cgroupPids } from '../cgroups.js';
import { readRecord } from './container-record.js';
import type { OciCommand } from './oci-command.js';
import { writeStdout } from './write-stdio.js';

const run = promisify(execFile);

/** `ps [-f table|json] <id> [ps options]`: the host's `ps` (default -ef) narrowed to the container's pids, or the pids as JSON. */
export const psCommand: OciCommand = {
  name: 'ps',
  usage: '<container-id> [ps options]',
  description: 'ps displays the processes running inside a container',
  flags: [{ names: ['format', 'f'], kind: 'string', help: 'select one of: table or json (default: "table")' }],
  args: { min: 1, max: Infinity },
  interspersed: false,
  async run(ctx, [id, ...psArgs], flags) {
    const format = flags.string('format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw new InvalidArgument('invalid format option');
    const pids = await cgroupPids(readRecord(ctx.global.root, id!).cgroups);
    if (format === 'json') {
      writeStdout(`${JSON.stringify(pids.length ? pids : null)}\n`);
      return 0;
    }
    const { stdout } = await run('ps', psArgs.length ? psArgs : ['-ef'], { maxBuffer: 64 << 20 });
    const [header = '', ...lines] = stdout.split('\n');
    const pidColumn = header.trim().split(/\s+/).indexOf('PID');
    if (pidColumn < 0) throw new InvalidArgument("couldn't find PID field in ps output");
    let out = `${header}\n`;
    for (const line of lines) {
      if (line && pids.includes(Number(line.trim().split(/\s+/)[pidColumn]))) out += `${line}\n`;
    }
    writeStdout(out);
    return 0;
  },
};
