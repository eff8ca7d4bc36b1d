import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgument } from '../common/errors.js';
import type { OciDevice, OciDeviceRule } from '../oci/runtime-spec.js';

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

const major = (rdev: number) => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number) => Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);

function deviceAt(hostPath: string, containerPath: string): OciDevice | undefined {
  const st = statSync(hostPath);
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { type, path: containerPath, major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

function rule(d: OciDevice, access: string): OciDeviceRule {
  return { allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major ?? null, minor: d.minor ?? null, access };
}

/** Docker's --device: a device (or every device under a directory) with its cgroup permissions. */
export function mappedDevices(maps: readonly DeviceMapping[]): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [];
  for (const m of maps) {
    const access = m.cgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access)) throw new InvalidArgument(`invalid device mode: ${access}`);
    let host: string;
    try {
      host = realpathSync(m.pathOnHost);
    } catch {
      throw new InvalidArgument(`error gathering device information while adding custom device "${m.pathOnHost}": no such file or directory`);
    }
    const target = m.pathInContainer || m.pathOnHost;
    const st = statSync(host);
    const found = st.isDirectory() ? walk(host).map(([p, d]) => ({ ...d, path: join(target, p.slice(host.length)) })) : [deviceAt(host, target)];
    for (const d of found) {
      if (!d) throw new InvalidArgument(`error gathering device information while adding custom device "${m.pathOnHost}": not a device node`);
      devices.push(d);
      rules.push(rule(d, access));
    }
  }
  return { devices, rules };
}

/** Every device node under dir, with its path on the host. */
function walk(dir: string): [string, OciDevice][] {
  const out: [string, OciDevice][] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) out.push(...walk(p));
      else if (e.isCharacterDevice() || e.isBlockDevice()) {
        const d = deviceAt(p, p);
        if (d) out.push([p, d]);
      }
    } catch {
      // gone meanwhile, or unreadable: not a device the container gets
    }
  }
  return out;
}

/** What --privileged gives: every device of the host but the per-session ones. */
export function allHostDevices(): OciDevice[] {
  const skip = ['/dev/pts', '/dev/mqueue', '/dev/shm', '/dev/console', '/dev/ptmx', '/dev/tty'];
  return walk('/dev')
    .filter(([p]) => !skip.some((s) => p === s || p.startsWith(`${s}/`)))
    .map(([, d]) => d);
}
