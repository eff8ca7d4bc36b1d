import type { MountSpec } from '../../api/types/index.js';
import { parseRamBytes } from './parse-ram-bytes.js';

function parseBool(key: string, v: string | undefined): boolean {
  if (v === undefined) return true;
  const t = v.toLowerCase();
  if (['1', 't', 'true'].includes(t)) return true;
  if (['0', 'f', 'false'].includes(t)) return false;
  throw new Error(`invalid value for ${key}: ${v}`);
}

function keyValue(key: string, v: string | undefined): [string, string] {
  const s = v ?? '';
  const eq = s.indexOf('=');
  if (eq < 0) throw new Error(`invalid value for ${key}: ${s}`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

/**
 * docker's `--mount` value: comma-separated `key=value` fields (type defaults to volume), into
 * the Engine API's mount, as the docker CLI sends it.
 */
export function parseMountSpec(value: string): MountSpec {
  const m: MountSpec = { Type: 'volume' };
  const bind: NonNullable<MountSpec['BindOptions']> = {};
  const volume: NonNullable<MountSpec['VolumeOptions']> = {};
  const tmpfs: NonNullable<MountSpec['TmpfsOptions']> = {};
  for (const field of value.split(',')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const v = eq < 0 ? undefined : field.slice(eq + 1);
    if (v === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src'].includes(key)) {
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type':
        if (!['bind', 'volume', 'tmpfs', 'npipe', 'cluster'].includes(v!)) throw new Error(`invalid value for 'type': ${v}`);
        m.Type = v as MountSpec['Type'];
        break;
      case 'source': case 'src':
        m.Source = v;
        break;
      case 'target': case 'dst': case 'destination':
        m.Target = v;
        break;
      case 'readonly': case 'ro':
        m.ReadOnly = parseBool(key, v);
        break;
      case 'consistency':
        m.Consistency = v;
        break;
      case 'bind-propagation':
        bind.Propagation = v;
        break;
      case 'bind-nonrecursive':
        bind.NonRecursive = parseBool(key, v);
        break;
      case 'bind-create-src':
        bind.CreateMountpoint = parseBool(key, v);
        break;
      case 'volume-nocopy':
        volume.NoCopy = parseBool(key, v);
        break;
      case 'volume-label': {
        const [k, val] = keyValue(key, v);
        volume.Labels = { ...(volume.Labels ?? {}), [k]: val };
        break;
      }
      case 'volume-driver':
        volume.DriverConfig = { ...(volume.DriverConfig ?? {}), Name: v! };
        break;
      case 'volume-opt': {
        const [k, val] = keyValue(key, v);
        volume.DriverConfig = { ...(volume.DriverConfig ?? {}), Options: { ...(volume.DriverConfig?.Options ?? {}), [k]: val } };
        break;
      }
      case 'tmpfs-size':
        tmpfs.SizeBytes = parseRamBytes(v!);
        break;
      case 'tmpfs-mode': {
        const mode = Number.parseInt(v!, 8);
        if (!/^[0-7]+$/.test(v!)) throw new Error(`invalid value for ${key}: ${v}`);
        tmpfs.Mode = mode;
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new Error('target is required');
  if (Object.keys(bind).length) {
    if (m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
    m.BindOptions = bind;
  }
  if (Object.keys(volume).length) {
    if (m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
    m.VolumeOptions = volume;
  }
  if (Object.keys(tmpfs).length) {
    if (m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
    m.TmpfsOptions = tmpfs;
  }
  return m;
}
