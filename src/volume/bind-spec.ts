import { posix } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import { isVolumeName } from './errors.js';
import type { MountPoint } from './volume.js';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const LABELING = new Set(['z', 'Z']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);

function invalidSpec(spec: string, why?: string): InvalidArgument {
  return new InvalidArgument(`invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
}

/** The parts of a mode ("ro,rshared", "z"), checked as moby's parser does. */
function parseMode(mode: string): { rw: boolean; propagation: string; copyData: boolean } {
  let rw = true;
  let rwSet = false;
  let propagation = '';
  let copyData = true;
  let labeling = false;
  for (const m of mode.split(',')) {
    if (m === 'ro' || m === 'rw') {
      if (rwSet) throw new InvalidArgument(`invalid mode: ${mode}`);
      rw = m === 'rw';
      rwSet = true;
    } else if (PROPAGATION.has(m)) {
      if (propagation) throw new InvalidArgument(`invalid mode: ${mode}`);
      propagation = m;
    } else if (LABELING.has(m)) {
      if (labeling) throw new InvalidArgument(`invalid mode: ${mode}`);
      labeling = true;
    } else if (m === 'nocopy') {
      copyData = false;
    } else if (!CONSISTENCY.has(m)) {
      throw new InvalidArgument(`invalid mode: ${mode}`);
    }
  }
  return { rw, propagation, copyData };
}

/** Checks a mount destination: absolute, and not the root itself. */
export function checkDestination(dest: string, spec: string): string {
  if (!dest.startsWith('/')) throw invalidSpec(spec, `invalid mount config for type "volume": invalid mount path: '${dest}' mount path must be absolute`);
  const clean = posix.normalize(dest);
  if (clean === '/') throw invalidSpec(spec, 'invalid mount config for type "bind": invalid specification: destination can\'t be \'/\'');
  return clean.length > 1 ? clean.replace(/\/$/, '') : clean;
}

/**
 * A `-v`/Binds entry, `source:destination[:mode]`: a bind mount when the source is a path, a
 * named volume otherwise. Its volume (name only) and source path are filled in by the caller.
 */
export function parseBindSpec(spec: string): MountPoint {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === '' && i < 2)) throw invalidSpec(spec);
  const [source, dest, mode = ''] = parts as [string, string, string?];
  const destination = checkDestination(dest, spec);
  const m = mode ? parseMode(mode) : { rw: true, propagation: '', copyData: true };
  if (isVolumeName(source)) {
    if (m.propagation) throw invalidSpec(spec, 'invalid mount config for type "volume": field BindOptions must not be specified');
    return {
      type: 'volume', name: source, source: '', destination, driver: 'local', mode: mode || 'z', rw: m.rw,
      propagation: '', named: true, copyData: m.copyData,
    };
  }
  if (!source.startsWith('/')) throw invalidSpec(spec);
  if (!m.copyData) throw new InvalidArgument(`invalid mode: ${mode}`);
  return {
    type: 'bind', name: '', source: posix.normalize(source), destination, driver: '', mode, rw: m.rw,
    propagation: m.propagation || 'rprivate', named: false, copyData: false,
  };
}

/** A `--volumes-from` entry, `container[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { container: string; rw?: boolean } {
  const [container = '', mode, ...rest] = spec.split(':');
  if (!container || rest.length) throw new InvalidArgument(`invalid volume specification: '${spec}'`);
  if (mode === undefined || mode === '') return { container };
  if (mode !== 'ro' && mode !== 'rw') throw new InvalidArgument(`invalid mode: ${mode}`);
  return { container, rw: mode === 'rw' };
}
