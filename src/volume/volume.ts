/**
 * Volumes and the mounts of containers, as the daemon keeps them.
 */

/** A volume of the local driver, as stored in its metadata file. */
export interface Volume {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  /** The local driver's options (type, device, o), as given at create. */
  options: Record<string, string>;
  /** RFC 3339, seconds (as Docker shows it). */
  createdAt: string;
}

/** Docker's label on volumes made for a container without a name (prune without --all removes them). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export type MountType = 'bind' | 'volume' | 'tmpfs';

/** A mount a container asks for with `--mount` (HostConfig.Mounts), in the domain's words. */
export interface MountRequest {
  type: MountType;
  /** Host path (bind), volume name ('' for anonymous), or '' (tmpfs). */
  source: string;
  target: string;
  readOnly: boolean;
  bindPropagation?: string;
  /** `bind-create-src` / BindOptions.CreateMountpoint: make a missing host path. */
  bindCreateSource?: boolean;
  volumeNoCopy?: boolean;
  volumeLabels?: Record<string, string>;
  volumeDriver?: string;
  volumeOptions?: Record<string, string>;
  tmpfsSizeBytes?: number;
  tmpfsMode?: number;
}

/**
 * One mount of a container, decided at create and recorded with it: what `Mounts` in inspect
 * shows and what every start mounts.
 */
export interface MountPoint {
  type: MountType;
  /** The volume's name ('' for binds and tmpfs). */
  name: string;
  /** The host path ('' for tmpfs; a volume's is filled in from the store). */
  source: string;
  destination: string;
  /** 'local' for volumes, '' otherwise. */
  driver: string;
  /** As Docker shows it: the mode the user wrote ("ro", "z", ...). */
  mode: string;
  rw: boolean;
  /** '' for volumes and tmpfs; binds default to rprivate. */
  propagation: string;
  /** A volume the user named: `rm -v` keeps it. */
  named: boolean;
  /** Fill an empty volume from the image's content at the destination on start. */
  copyData: boolean;
  /** A bind whose missing host path is made (as -v does; --mount refuses it). */
  createSource?: boolean;
  /** tmpfs mount data (size=..., mode=...). */
  tmpfsOptions?: string[];
}
