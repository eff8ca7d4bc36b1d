/** Docker's ContainerPathStat, sent base64-encoded in X-Docker-Container-Path-Stat. */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits (0x80000000 directory, 0x08000000 symlink, then the permissions). */
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** One entry of GET /containers/{id}/changes: Kind 0 modified, 1 added, 2 deleted. */
export interface FilesystemChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';
