import { posix } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import { checkVolumeName } from './errors.js';
import type { MountPoint, MountRequest } from './volume.js';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

function invalid(type: string, why: string): InvalidArgument {
  return new InvalidArgument(`invalid mount config for type "${type}": ${why}`);
}

/** The mount a `--mount` (HostConfig.Mounts) entry makes, checked with moby's texts. */
export function mountPointOf(r: MountRequest): MountPoint {
  const t = r.type;
  if (!['bind', 'volume', 'tmpfs'].includes(t)) throw new InvalidArgument(`mount type unknown: "${t}"`);
  if (!r.target) throw invalid(t, 'field Target must not be empty');
  if (!r.target.startsWith('/')) throw invalid(t, `invalid mount path: '${r.target}' mount path must be absolute`);
  const destination = posix.normalize(r.target).replace(/(.)\/$/, '$1');
  const hasVolumeOptions = r.volumeNoCopy !== undefined || r.volumeLabels !== undefined || r.volumeDriver !== undefined || r.volumeOptions !== undefined;
  const hasBindOptions = r.bindPropagation !== undefined || r.bindCreateSource !== undefined;
  const hasTmpfsOptions = r.tmpfsSizeBytes !== undefined || r.tmpfsMode !== undefined;
  if (t !== 'volume' && hasVolumeOptions) throw invalid(t, 'field VolumeOptions must not be specified');
  if (t !== 'bind' && hasBindOptions) throw invalid(t, 'field BindOptions must not be specified');
  if (t !== 'tmpfs' && hasTmpfsOptions) throw invalid(t, 'field TmpfsOptions must not be specified');
  const base = { destination, rw: !r.readOnly, mode: '', named: false, copyData: false, driver: '', name: '', source: '', propagation: '' };
  if (t === 'bind') {
    if (!r.source) throw invalid(t, 'field Source must not be empty');
    if (!r.source.startsWith('/')) throw invalid(t, `invalid mount path: '${r.source}' mount path must be absolute`);
    const propagation = r.bindPropagation || 'rprivate';
    if (!PROPAGATION.has(propagation)) throw invalid(t, `invalid propagation mode: ${propagation}`);
    return { ...base, type: 'bind', source: posix.normalize(r.source), propagation };
  }
  if (t === 'volume') {
    if (r.source) checkVolumeName(r.source);
    if (r.volumeDriver && r.volumeDriver !== 'local') {
      throw new InvalidArgument(`create ${r.source}: error looking up volume plugin ${r.volumeDriver}: plugin "${r.volumeDriver}" not found`);
    }
    return { ...base, type: 'volume', name: r.source, driver: 'local', mode: 'z', named: r.source !== '', copyData: !r.volumeNoCopy };
  }
  if (r.source) throw invalid(t, 'field Source must not be specified');
  if (r.tmpfsSizeBytes !== undefined && r.tmpfsSizeBytes < 0) throw invalid(t, 'invalid tmpfs size');
  const tmpfsOptions = [
    ...(r.tmpfsSizeBytes ? [`size=${r.tmpfsSizeBytes}`] : []),
    ...(r.tmpfsMode ? [`mode=${(r.tmpfsMode & 0o7777).toString(8)}`] : []),
  ];
  return { ...base, type: 'tmpfs', tmpfsOptions };
}
