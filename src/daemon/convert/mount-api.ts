import { InvalidArgument } from '../../common/errors.js';
import type * as Api from '../../api/types/index.js';
import type { MountPoint, MountRequest, MountType } from '../../volume/volume.js';

/** HostConfig.Mounts → the domain's requests (checked further at create). */
export function fromApiMounts(specs: Api.MountSpec[] | null | undefined): MountRequest[] {
  return (specs ?? []).map((m) => {
    const type = m.Type ?? '';
    if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw new InvalidArgument(`mount type unknown: "${type}"`);
    const b = m.BindOptions;
    const v = m.VolumeOptions;
    const t = m.TmpfsOptions;
    return {
      type: type as MountType,
      source: m.Source ?? '',
      target: m.Target ?? '',
      readOnly: m.ReadOnly ?? false,
      ...(b?.Propagation !== undefined ? { bindPropagation: b.Propagation } : {}),
      ...(b?.CreateMountpoint !== undefined ? { bindCreateSource: b.CreateMountpoint } : {}),
      ...(v?.NoCopy !== undefined ? { volumeNoCopy: v.NoCopy } : {}),
      ...(v?.Labels ? { volumeLabels: v.Labels } : {}),
      ...(v?.DriverConfig?.Name ? { volumeDriver: v.DriverConfig.Name } : {}),
      ...(v?.DriverConfig?.Options ? { volumeOptions: v.DriverConfig.Options } : {}),
      ...(t?.SizeBytes !== undefined ? { tmpfsSizeBytes: t.SizeBytes } : {}),
      ...(t?.Mode !== undefined ? { tmpfsMode: t.Mode } : {}),
    };
  });
}

/** The requests back as HostConfig.Mounts shows them. */
export function toApiMounts(reqs: readonly MountRequest[]): Api.MountSpec[] {
  return reqs.map((r) => {
    const driver = r.volumeDriver || r.volumeOptions ? { DriverConfig: { ...(r.volumeDriver ? { Name: r.volumeDriver } : {}), ...(r.volumeOptions ? { Options: r.volumeOptions } : {}) } } : {};
    const volume = { ...(r.volumeNoCopy !== undefined ? { NoCopy: r.volumeNoCopy } : {}), ...(r.volumeLabels ? { Labels: r.volumeLabels } : {}), ...driver };
    const bind = { ...(r.bindPropagation ? { Propagation: r.bindPropagation } : {}), ...(r.bindCreateSource ? { CreateMountpoint: true } : {}) };
    const tmpfs = { ...(r.tmpfsSizeBytes !== undefined ? { SizeBytes: r.tmpfsSizeBytes } : {}), ...(r.tmpfsMode !== undefined ? { Mode: r.tmpfsMode } : {}) };
    return {
      Type: r.type,
      ...(r.source ? { Source: r.source } : {}),
      Target: r.target,
      ...(r.readOnly ? { ReadOnly: true } : {}),
      ...(Object.keys(bind).length ? { BindOptions: bind } : {}),
      ...(Object.keys(volume).length ? { VolumeOptions: volume } : {}),
      ...(Object.keys(tmpfs).length ? { TmpfsOptions: tmpfs } : {}),
    };
  });
}

/** A container's mounts as inspect and ps show them. */
export function toApiMountPoints(points: readonly MountPoint[] | undefined): Api.MountPoint[] {
  return (points ?? []).map((p) => ({
    Type: p.type,
    ...(p.type === 'volume' ? { Name: p.name } : {}),
    Source: p.source,
    Destination: p.destination,
    ...(p.type === 'volume' ? { Driver: p.driver } : {}),
    Mode: p.mode,
    RW: p.rw,
    Propagation: p.propagation,
  }));
}
