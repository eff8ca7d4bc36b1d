/**
 * `docker commit` and `docker export`: the two operations that read a container's writable
 * layer. The diff is the snapshot's upper dir (overlay whiteouts turned into `.wh.` entries);
 * the export is the merged tree, read through a private read-only overlay mount of the upper dir
 * over the image's layers.
 */
import type { Readable } from 'node:stream';
import type { CommitBackend as CommitRoutesBackend, CommitQuery } from '../api/routes/commit.js';
import type * as Api from '../api/types/index.js';
import { InvalidArgument, NotFound, messageOf } from '../common/errors.js';
import type { EventSink } from '../common/events.js';
import type { Logger } from '../common/log.js';
import type { ContainerConfig } from '../container/container.js';
import { containerEventAttributes, type ContainerService } from '../container/container-service.js';
import { mountRootfsView } from '../container/rootfs-view.js';
import { applyChanges } from '../image/apply-changes.js';
import type { ImageService } from '../image/image-service.js';
import { writeLayerTar } from '../image/layer-tar-writer.js';
import { familiarName, parseReference, withTag } from '../image/reference.js';
import type { ImageExecConfig } from '../oci/image.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

/** The container's config as an image's (what `docker commit` keeps of it). */
export function toImageExecConfig(c: ContainerConfig): ImageExecConfig {
  return {
    ...(c.user ? { User: c.user } : {}),
    ...(c.exposedPorts.length ? { ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [p, {}])) } : {}),
    Env: c.env.length ? c.env : null,
    Cmd: c.cmd,
    Entrypoint: c.entrypoint,
    ...(c.volumes.length ? { Volumes: Object.fromEntries(c.volumes.map((v) => [v, {}])) } : {}),
    WorkingDir: c.workingDir,
    Labels: Object.keys(c.labels).length ? c.labels : null,
    ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
    OnBuild: c.onBuild,
    ...(c.shell ? { Shell: c.shell } : {}),
    ...(c.healthcheck
      ? { Healthcheck: { Test: c.healthcheck.test, Interval: c.healthcheck.intervalNs, Timeout: c.healthcheck.timeoutNs, StartPeriod: c.healthcheck.startPeriodNs, Retries: c.healthcheck.retries } }
      : {}),
  };
}

/** The request body's config over the container's, as moby's merge does: what is set wins. */
function overlay(base: ImageExecConfig, o: Partial<Api.ContainerConfig> | undefined): ImageExecConfig {
  if (!o) return base;
  const out = { ...base };
  const argv = (v: string[] | string | null | undefined) => (typeof v === 'string' ? [v] : v);
  if (o.User) out.User = o.User;
  if (o.Cmd && argv(o.Cmd)!.length) out.Cmd = argv(o.Cmd)!;
  if (o.Entrypoint && argv(o.Entrypoint)!.length) out.Entrypoint = argv(o.Entrypoint)!;
  if (o.WorkingDir) out.WorkingDir = o.WorkingDir;
  if (o.StopSignal) out.StopSignal = o.StopSignal;
  if (o.Env?.length) {
    const env = new Map((out.Env ?? []).map((e) => [e.split('=')[0]!, e]));
    for (const e of o.Env) env.set(e.split('=')[0]!, e);
    out.Env = [...env.values()];
  }
  if (o.ExposedPorts) out.ExposedPorts = { ...(out.ExposedPorts ?? {}), ...(o.ExposedPorts as Record<string, Record<string, never>>) };
  if (o.Volumes) out.Volumes = { ...(out.Volumes ?? {}), ...(o.Volumes as Record<string, Record<string, never>>) };
  if (o.Labels) out.Labels = { ...(out.Labels ?? {}), ...o.Labels };
  return out;
}

function option(options: string[], name: string): string | undefined {
  return options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
}

export class CommitBackend implements CommitRoutesBackend {
  constructor(
    private readonly containers: ContainerService,
    private readonly images: ImageService,
    private readonly snapshots: Snapshotter,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {}

  private async upperDir(id: string): Promise<{ upper: string; options: string[] }> {
    const [m] = await this.snapshots.mounts(id);
    const upper = m && option(m.options, 'upperdir');
    if (!m || !upper) throw new NotFound(`the writable layer of container ${id} is gone`);
    return { upper, options: m.options };
  }

  async commit(q: CommitQuery, signal: AbortSignal): Promise<{ Id: string }> {
    const rec = this.containers.resolve(q.container);
    let tag: string | undefined;
    if (q.repo) {
      let ref = parseReference(q.repo);
      if (ref.digest !== undefined) throw new InvalidArgument('cannot commit to digest reference');
      if (q.tag) ref = withTag(ref, q.tag);
      tag = familiarName(ref.tag === undefined ? withTag(ref, 'latest') : ref);
    }
    const config = applyChanges(overlay(toImageExecConfig(rec.config), q.config), q.changes);
    const { upper } = await this.upperDir(rec.id);
    const pause = q.pause && rec.state.status === 'running';
    if (pause) await this.containers.pause(rec.id);
    let image;
    try {
      image = await this.images.commit(writeLayerTar(upper, { overlayWhiteouts: true, signal }), {
        parent: rec.imageId,
        config,
        containerId: rec.id,
        createdBy: [rec.path, ...rec.args].join(' '),
        ...(q.author ? { author: q.author } : {}),
        ...(q.comment ? { comment: q.comment } : {}),
        ...(tag ? { tags: [tag] } : {}),
        signal,
      });
    } finally {
      if (pause) await this.containers.unpause(rec.id).catch((err: unknown) => this.log.warn('unpause after commit', { id: rec.id, error: messageOf(err) }));
    }
    this.events.publish({ type: 'container', action: 'commit', id: rec.id, attributes: containerEventAttributes(rec, { comment: q.comment, imageID: image.id, imageRef: tag ?? '' }) });
    return { Id: image.id };
  }

  async export(ref: string, signal: AbortSignal): Promise<Readable> {
    const rec = this.containers.resolve(ref);
    const { options } = await this.upperDir(rec.id);
    // The view has none of the container's mounts: volume and bind contents stay out of the export.
    const view = await mountRootfsView({ type: 'overlay', source: 'overlay', options }, `export container ${rec.id}`);
    const tar = writeLayerTar(view.dir, { signal });
    const cleanup = () => {
      void view.release().catch((err: unknown) => this.log.warn('unmount after export', { target: view.dir, error: messageOf(err) }));
    };
    tar.once('end', cleanup);
    tar.once('close', cleanup);
    tar.once('error', cleanup);
    this.containers.event(rec, 'export');
    return tar;
  }
}
