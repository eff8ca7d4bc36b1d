import { readdirSync, readFileSync, statSync } from 'node:fs';
import { InvalidArgument, isNotFoundError, NotFound } from '../../common/errors.js';
import { containerDir, readRecord } from './container-record.js';
import { containerStatus } from './container-status.js';
import type { OciCommand } from './oci-command.js';
import { writeStdout } from './write-stdio.js';
import { type RuncState, runcState } from './runc-state.js';
import { tabTable } from './tab-table.js';

/** The host user name of a uid, or "#uid" as runc shows an unknown one. */
function userName(uid: number, passwd: string): string {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[2] !== '' && Number(f[2]) === uid) return f[0]!;
  }
  return `#${uid}`;
}

function listStates(root: string): RuncState[] {
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    if (isNotFoundError(err)) return [];
    throw err;
  }
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // Owners show as "#uid".
  }
  const out: RuncState[] = [];
  for (const name of names) {
    let rec;
    try {
      rec = readRecord(root, name);
    } catch (err) {
      // A directory without state.json is a create that died early (delete removes it).
      if (err instanceof NotFound || err instanceof InvalidArgument) continue;
      throw err;
    }
    const owner = userName(statSync(containerDir(root, name)).uid, passwd);
    out.push(runcState(rec, { status: containerStatus(root, rec), owner }));
  }
  return out;
}

/** `list [-q] [-f table|json]`: runc's table, ids only, or a JSON array (null when empty, as Go encodes it). */
export const listCommand: OciCommand = {
  name: 'list',
  usage: '',
  description: 'lists containers started by berth-runtime with the given root',
  flags: [
    { names: ['format', 'f'], kind: 'string', help: 'select one of: table or json (default: "table")' },
    { names: ['quiet', 'q'], kind: 'bool', help: 'display only container IDs' },
  ],
  args: { min: 0, max: 0 },
  interspersed: true,
  async run(ctx, _args, flags) {
    const format = flags.string('format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw new InvalidArgument('invalid format option');
    const states = listStates(ctx.global.root);
    if (flags.bool('quiet')) {
      writeStdout(states.map((s) => `${s.id}\n`).join(''));
    } else if (format === 'json') {
      writeStdout(`${JSON.stringify(states.length ? states : null)}\n`);
    } else {
      const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
      for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
      writeStdout(tabTable(rows));
    }
    return 0;
  },
};
