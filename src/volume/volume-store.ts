import type { Volume } from './volume.js';

export interface CreateVolumeRequest {
  /** '' or absent: an anonymous volume with a random name. */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/**
 * The volumes of one daemon and who uses them.
 *
 * Lifecycle: `create` makes a volume durable before it returns (or returns the existing one of
 * that name, as Docker does). A container references the volumes it was created with until it is
 * removed (`reference`/`release`); a referenced volume cannot be removed (Conflict with the ids).
 * `mount` makes the data reachable for a starting container (mounting a `-o type=...` filesystem
 * for its first user) and `unmount` undoes it after the last one stops. References and mounts
 * live in memory: the daemon rebuilds them from the container records after a restart.
 */
export interface VolumeStore {
  create(req: CreateVolumeRequest): Promise<Volume>;
  /** Throws NotFound with Docker's text. */
  get(name: string): Volume;
  list(): Volume[];
  /** The host directory that holds the volume's data (its `Mountpoint`). */
  dataPath(name: string): string;
  reference(name: string, containerId: string): void;
  release(name: string, containerId: string): void;
  /** Ids of the containers that reference the volume. */
  users(name: string): string[];
  /** Makes the volume's data reachable for the container; resolves with its host path. */
  mount(name: string, containerId: string): Promise<string>;
  unmount(name: string, containerId: string): Promise<void>;
  /** Throws Conflict while referenced, NotFound (unless `force`) when absent. */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
}
