import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgument, NotImplemented } from '../../common/errors.js';
import type { OciDeviceRule, OciSpec } from '../../oci/runtime-spec.js';
import type { ContainerCgroups } from './container-cgroups.js';
import { expandCgroupMounts } from './expand-cgroup-mounts.js';
import { prepareProcess } from './prepare-process.js';

/**
 * The device rules runc appends to every config's: mknod of any device, and the standard devices
 * (null, zero, full, tty, random, urandom, ptys, ptmx, tun). A "deny all" config still works.
 */
const runcAllowedDevices: OciDeviceRule[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  ...([[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [136, null], [5, 2], [10, 200]] as const).map(
    ([major, minor]): OciDeviceRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' }),
  ),
];

function isApparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

/**
 * What the plan has no step for is refused, not skipped: a container without its user namespace
 * would run, but not as configured. An AppArmor profile is ignored where
 * AppArmor is off, as runc ignores it.
 */
function refuseUnsupported(spec: OciSpec): void {
  const linux = spec.linux ?? {};
  if (linux.namespaces?.some((n) => n.type === 'user') || linux.uidMappings?.length || linux.gidMappings?.length) {
    throw new NotImplemented('berth-runtime does not support user namespaces');
  }
  if (spec.process?.apparmorProfile && isApparmorEnabled()) {
    throw new NotImplemented(`berth-runtime cannot apply the AppArmor profile "${spec.process.apparmorProfile}"`);
  }
}

/**
 * The config as compileInitPlan takes it: root.path absolute (a relative one is relative to the
 * bundle), the process completed as runc's init completes it, `cgroup` mounts made into binds,
 * cgroupsPath the one the cgroups were placed at, and runc's allowed devices added to the device
 * rules, as runc adds them.
 */
export function prepareSpec(spec: OciSpec, opts: { bundle: string; cgroups: ContainerCgroups }): OciSpec {
  refuseUnsupported(spec);
  const linux = spec.linux ?? {};
  const hasUts = (linux.namespaces ?? []).some((n) => n.type === 'uts');
  if (spec.hostname && !hasUts) throw new InvalidArgument('unable to set hostname without a private UTS namespace');
  const rootfs = resolve(opts.bundle, spec.root!.path);
  return {
    ...spec,
    root: { ...spec.root, path: rootfs },
    process: prepareProcess(spec.process!, rootfs),
    mounts: expandCgroupMounts(spec.mounts ?? [], opts.cgroups),
    linux: {
      ...linux,
      cgroupsPath: opts.cgroups.path,
      resources: { ...linux.resources, devices: [...(linux.resources?.devices ?? []), ...runcAllowedDevices] },
    },
  };
}
