import type { Readable } from 'node:stream';
import type { ImagesBackend, ImportQuery } from '../api/routes/images.js';
import { untilFilterMs, type Filters } from '../api/routes/system.js';
import type * as Api from '../api/types/index.js';
import { isDigest } from '../common/digest.js';
import { InvalidArgument } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import { unixSeconds } from '../common/time.js';
import type { ContainerStore } from '../container/container-store.js';
import type { Image } from '../image/image.js';
import type { ImageService } from '../image/image-service.js';
import { familiarName, parseReference } from '../image/reference.js';
import type { HistoryEntry, ImageExecConfig } from '../oci/image.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { toJsonMessage } from './progress-message.js';
import { toRegistryCredentials } from './registry-auth.js';

const imageFilters = new Set(['dangling', 'label', 'reference', 'before', 'since', 'until']);

function globToRegExp(glob: string): RegExp {
  const src = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${src}$`);
}

/** The image config's wire form (it is stored in wire form: it is hashed). */
export function toApiImageConfig(c: ImageExecConfig | null | undefined): Api.ContainerConfig {
  const x = c ?? {};
  return {
    Hostname: '', Domainname: '', User: x.User ?? '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    ...(x.ExposedPorts ? { ExposedPorts: x.ExposedPorts } : {}),
    Tty: false, OpenStdin: false, StdinOnce: false,
    Env: x.Env ?? null, Cmd: x.Cmd ?? null,
    ...(x.Healthcheck ? { Healthcheck: x.Healthcheck } : {}),
    ...(x.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '', Volumes: x.Volumes ?? null, WorkingDir: x.WorkingDir ?? '', Entrypoint: x.Entrypoint ?? null,
    OnBuild: x.OnBuild ?? null, Labels: x.Labels ?? null,
    ...(x.StopSignal ? { StopSignal: x.StopSignal } : {}),
    ...(x.Shell ? { Shell: x.Shell } : {}),
  };
}

/** The Engine API's view of images, over the image service. */
export class ImageBackend implements ImagesBackend {
  constructor(
    private readonly images: ImageService,
    private readonly containers: ContainerStore,
    private readonly snapshots: Snapshotter,
    private readonly events: EventSink,
  ) {}

  private usedBy = (imageId: string): string[] => this.containers.all().filter((c) => c.imageId === imageId).map((c) => c.id);
  private runningBy = (imageId: string): string[] =>
    this.containers.all().filter((c) => c.imageId === imageId && ['running', 'paused', 'restarting'].includes(c.state.status)).map((c) => c.id);

  private matcher(filters: Filters): (img: Image) => boolean {
    for (const k of Object.keys(filters)) if (!imageFilters.has(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const refs = (filters.reference ?? []).map(globToRegExp);
    const time = (ref: string) => this.images.resolve(ref).created;
    const before = filters.before?.map(time);
    const since = filters.since?.map(time);
    return (img) => {
      if (filters.dangling?.length) {
        const want = filters.dangling.includes('true') || filters.dangling.includes('1');
        if ((img.repoTags.length === 0) !== want) return false;
      }
      if (filters.label && !filters.label.every((l) => {
        const labels = img.config.config?.Labels ?? {};
        const i = l.indexOf('=');
        return i < 0 ? Object.hasOwn(labels, l) : labels[l.slice(0, i)] === l.slice(i + 1);
      })) return false;
      if (refs.length && !img.repoTags.some((t) => refs.some((re) => re.test(t) || re.test(t.slice(0, t.lastIndexOf(':')))))) return false;
      if (before && !before.every((t) => img.created < t)) return false;
      if (since && !since.every((t) => img.created > t)) return false;
      return true;
    };
  }

  list(opts: { all: boolean; filters: Filters; digests: boolean }): Api.ImageSummary[] {
    const match = this.matcher(opts.filters);
    const refs = (opts.filters.reference ?? []).map(globToRegExp);
    // As moby: with a reference filter, an image lists only the tags that match it.
    const tagMatches = (t: string) => refs.some((re) => re.test(t) || re.test(t.slice(0, t.lastIndexOf(':'))));
    const all = this.images.list();
    // As moby: untagged images with children (a build's intermediate steps) only with all=1.
    const parents = new Set(all.map((i) => i.parent).filter((p) => p !== ''));
    const shown = opts.all ? all : all.filter((i) => i.repoTags.length > 0 || i.repoDigests.length > 0 || !parents.has(i.id));
    return shown.filter(match).sort((a, b) => (a.created < b.created ? 1 : -1)).map((i) => {
      const s = imageSummary(i);
      if (refs.length) s.RepoTags = s.RepoTags.filter(tagMatches);
      return s;
    });
  }

  inspect(ref: string): Api.ImageInspect {
    const img = this.images.resolve(ref);
    // moby dropped Container and ContainerConfig at API 1.45, but docker-compose 1.29 (which asks
    // for the daemon's own version) reads ContainerConfig.Volumes when it recreates a container.
    const legacy = { Container: img.config.container ?? '', ContainerConfig: toApiImageConfig(img.config.container_config) };
    const dirs = img.chainId ? this.snapshots.layerDirs(img.chainId) : [];
    return {
      Id: img.id,
      RepoTags: img.repoTags,
      RepoDigests: img.repoDigests,
      Parent: img.parent,
      Comment: img.config.comment ?? '',
      Created: img.created,
      ...legacy,
      DockerVersion: img.config.docker_version ?? '',
      Author: img.config.author ?? '',
      Config: toApiImageConfig(img.config.config),
      Architecture: img.config.architecture,
      ...(img.config.variant ? { Variant: img.config.variant } : {}),
      Os: img.config.os,
      Size: img.size,
      GraphDriver: {
        Name: 'overlay2',
        Data: dirs.length ? { MergedDir: '', UpperDir: dirs[0]!, WorkDir: '', ...(dirs.length > 1 ? { LowerDir: dirs.slice(1).join(':') } : {}) } : null,
      },
      RootFS: { Type: 'layers', Layers: img.config.rootfs.diff_ids },
      Metadata: { LastTagTime: img.lastTagTime || '0001-01-01T00:00:00Z' },
    };
  }

  async remove(ref: string, opts: { force: boolean; noPrune: boolean }): Promise<Api.ImageDeleteResponseItem[]> {
    const imageId = this.images.resolve(ref).id;
    const items = await this.images.remove(ref, { force: opts.force, noPrune: opts.noPrune, usedBy: this.usedBy, runningBy: this.runningBy });
    // As dockerd: both name the image by its id.
    for (const i of items) {
      const id = 'untagged' in i ? imageId : i.deleted;
      this.events.publish({ type: 'image', action: 'untagged' in i ? 'untag' : 'delete', id, attributes: { name: id } });
    }
    return items.map((i) => ('untagged' in i ? { Untagged: i.untagged } : { Deleted: i.deleted }));
  }

  async import(body: Readable, q: ImportQuery, signal: AbortSignal): Promise<string> {
    const img = await this.images.import(body, {
      ...(q.repo ? { repo: q.repo } : {}), ...(q.tag ? { tag: q.tag } : {}), changes: q.changes,
      ...(q.message ? { message: q.message } : {}), signal,
    });
    this.events.publish({ type: 'image', action: 'import', id: img.id, attributes: { name: img.id } });
    return img.id;
  }

  async pull(q: { image: string; tag: string; platform: string; auth: Api.AuthConfig }, send: (m: Api.JSONMessage) => void, signal: AbortSignal): Promise<void> {
    if (!q.image) throw new InvalidArgument('repository name must have at least one component');
    const name = !q.tag ? q.image : isDigest(q.tag) ? `${q.image}@${q.tag}` : `${q.image}:${q.tag}`;
    const ref = parseReference(name);
    const allTags = ref.tag === undefined && ref.digest === undefined;
    const credentials = toRegistryCredentials(q.auth);
    const { images } = await this.images.pull(name, {
      allTags, progress: (e) => send(toJsonMessage(e)), signal,
      ...(q.platform ? { platform: q.platform } : {}), ...(credentials ? { credentials } : {}),
    });
    for (const img of images) {
      const shown = allTags ? familiarName(ref) : familiarName(name);
      this.events.publish({ type: 'image', action: 'pull', id: shown, attributes: { name: shown, imageID: img.id } });
    }
  }

  async push(q: { name: string; tag: string; auth: Api.AuthConfig }, send: (m: Api.JSONMessage) => void, signal: AbortSignal): Promise<void> {
    const name = q.tag ? `${q.name}:${q.tag}` : q.name;
    const credentials = toRegistryCredentials(q.auth);
    await this.images.push(name, { progress: (e) => send(toJsonMessage(e)), signal, ...(credentials ? { credentials } : {}) });
    this.events.publish({ type: 'image', action: 'push', id: familiarName(name), attributes: { name: familiarName(name) } });
  }

  save(names: string[], signal: AbortSignal): Readable {
    if (names.length === 0) throw new InvalidArgument('no images named to save');
    const tar = this.images.save(names, signal);
    for (const n of names) {
      const id = this.images.resolve(n).id;
      this.events.publish({ type: 'image', action: 'save', id, attributes: { name: id } });
    }
    return tar;
  }

  async load(body: Readable, send: (m: Api.JSONMessage) => void, signal: AbortSignal): Promise<void> {
    const images = await this.images.load(body, { progress: (e) => send({ stream: `${e.status}\n` }), signal });
    for (const img of images) this.events.publish({ type: 'image', action: 'load', id: img.id, attributes: { name: img.id } });
  }

  history(ref: string): Api.HistoryResponseItem[] {
    const img = this.images.resolve(ref);
    const sizes = this.images.layerChain(img.id).map((l) => l.size);
    const history: HistoryEntry[] = img.config.history?.length ? img.config.history : img.config.rootfs.diff_ids.map(() => ({}));
    let layer = 0;
    const items = history.map((h) => {
      const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
      return { Id: '<missing>', Created: unixSeconds(h.created ?? ''), CreatedBy: h.created_by ?? '', Tags: null as string[] | null, Size: size, Comment: h.comment ?? '' };
    });
    items.reverse();
    if (items[0]) {
      items[0].Id = img.id;
      items[0].Tags = img.repoTags.length ? img.repoTags : null;
    }
    return items;
  }

  async tag(ref: string, repo: string, tag: string): Promise<void> {
    if (!repo) throw new InvalidArgument('repository name must have at least one component');
    const target = tag ? `${repo}:${tag}` : repo;
    await this.images.tag(ref, target);
    const img = this.images.resolve(target);
    this.events.publish({ type: 'image', action: 'tag', id: img.id, attributes: { name: familiarName(target) } });
  }

  async prune(filters: Filters): Promise<Api.ImagePruneResponse> {
    for (const k of Object.keys(filters)) if (!['dangling', 'label', 'until'].includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    const dangling = !(filters.dangling?.includes('false') || filters.dangling?.includes('0'));
    const labelMatch = this.matcher({ ...(filters.label ? { label: filters.label } : {}) });
    const untilMs = untilFilterMs(filters);
    const r = await this.images.prune({
      dangling,
      usedBy: this.usedBy,
      runningBy: this.runningBy,
      filter: (img) => labelMatch(img) && (untilMs === undefined || Date.parse(img.created) < untilMs),
    });
    return {
      ImagesDeleted: r.deleted.length ? r.deleted.map((i) => ('untagged' in i ? { Untagged: i.untagged } : { Deleted: i.deleted })) : null,
      SpaceReclaimed: r.spaceReclaimed,
    };
  }
}

/**
 * An image as `docker images` and `docker system df` list it. SharedSize and Containers are -1
 * unless counted: Docker counts them only for df, where they are worth the walk.
 */
export function imageSummary(img: Image, counted: { sharedSize: number; containers: number } = { sharedSize: -1, containers: -1 }): Api.ImageSummary {
  return {
    Id: img.id,
    ParentId: img.parent,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Created: unixSeconds(img.created),
    Size: img.size,
    SharedSize: counted.sharedSize,
    VirtualSize: img.size,
    Labels: img.config.config?.Labels ?? {},
    Containers: counted.containers,
  };
}
