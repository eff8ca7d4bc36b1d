import type { DiskUsageBackend as DiskUsageRoutesBackend } from '../api/routes/disk-usage.js';
import type * as Api from '../api/types/index.js';
import { unixSeconds } from '../common/time.js';
import type { ContainerStore } from '../container/container-store.js';
import type { ImageService } from '../image/image-service.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { directorySize } from '../volume/directory-size.js';
import type { VolumeStore } from '../volume/volume-store.js';
import { imageSummary } from './image-backend.js';
import { toApiVolume } from './volume-backend.js';

/** `docker system df`: images with their shared sizes and users, containers with their writable sizes. */
export class DiskUsageBackend implements DiskUsageRoutesBackend {
  constructor(
    private readonly images: ImageService,
    private readonly containers: ContainerStore,
    private readonly snapshots: Snapshotter,
    private readonly volumes: VolumeStore,
  ) {}

  async diskUsage(): Promise<Api.DiskUsage> {
    const images = this.images.list();
    const recs = this.containers.all();
    // A layer used by more than one image is shared (Docker's SharedSize).
    const layerUsers = new Map<string, number>();
    const chains = new Map(images.map((img) => [img.id, this.images.layerChain(img.id)]));
    for (const chain of chains.values()) for (const c of chain) layerUsers.set(c.chainId, (layerUsers.get(c.chainId) ?? 0) + 1);
    const layersSize = [...new Map([...chains.values()].flat().map((c) => [c.chainId, c.size])).values()].reduce((a, b) => a + b, 0);
    const imageSummaries: Api.ImageSummary[] = images.map((img) => imageSummary(img, {
      sharedSize: chains.get(img.id)!.filter((c) => (layerUsers.get(c.chainId) ?? 0) > 1).reduce((a, c) => a + c.size, 0),
      containers: recs.filter((r) => r.imageId === img.id).length,
    }));
    const containerSummaries = await Promise.all(recs.map(async (r) => {
      const rw = (await this.snapshots.usage(r.id).catch(() => ({ size: 0 }))).size;
      const imageSize = imageSummaries.find((i) => i.Id === r.imageId)?.Size ?? 0;
      return {
        Id: r.id, Names: [`/${r.name}`], Image: r.config.image, ImageID: r.imageId, Command: [r.path, ...r.args].join(' '),
        Created: unixSeconds(r.created), Ports: [], SizeRw: rw, SizeRootFs: rw + imageSize, Labels: r.config.labels,
        State: r.state.status, Status: r.state.status, HostConfig: { NetworkMode: r.hostConfig.networkMode }, NetworkSettings: { Networks: {} }, Mounts: [],
      };
    }));
    const volumes = await Promise.all(this.volumes.list().map(async (v) => {
      const path = this.volumes.dataPath(v.name);
      return toApiVolume(v, path, { size: await directorySize(path), refCount: this.volumes.users(v.name).length });
    }));
    return { LayersSize: layersSize, Images: imageSummaries, Containers: containerSummaries, Volumes: volumes, BuildCache: [] };
  }
}
