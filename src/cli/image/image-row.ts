import type { ImageSummary } from '../../api/types/index.js';
import { formatGoTime } from '../format/format-go-time.js';
import { humanSize } from '../format/human-size.js';
import { timeAgo } from '../format/time-ago.js';
import { truncateId } from '../format/truncate-id.js';
import { GO_TYPE_NAME } from '../template/go-template.js';
import { GO_JSON, goMarshal } from '../template/template-value.js';
import { familiarName, parseImageReference } from './image-reference.js';

export const DEFAULT_IMAGES_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
export const DEFAULT_IMAGES_DIGEST_FORMAT =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';

export const IMAGES_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

/** One `docker images` row (docker's formatter.imageContext). */
export class ImageRow {
  readonly [GO_TYPE_NAME] = '*formatter.imageContext';
  private readonly image: ImageSummary;
  private readonly trunc: boolean;
  private readonly now: number;
  readonly Repository: string;
  readonly Tag: string;
  readonly Digest: string;

  constructor(image: ImageSummary, repo: { repository: string; tag: string; digest: string }, options: { trunc: boolean; now?: number }) {
    this.image = image;
    this.trunc = options.trunc;
    this.now = options.now ?? Date.now();
    this.Repository = repo.repository;
    this.Tag = repo.tag;
    this.Digest = repo.digest;
  }

  get ID(): string {
    return this.trunc ? truncateId(this.image.Id) : this.image.Id;
  }

  get CreatedSince(): string {
    return this.image.Created ? timeAgo(this.image.Created, this.now) : '';
  }

  get CreatedAt(): string {
    return formatGoTime(new Date(this.image.Created * 1000));
  }

  get Size(): string {
    return humanSize(this.image.Size, 3);
  }

  get Containers(): string {
    return this.image.Containers === -1 || this.image.Containers === undefined ? 'N/A' : String(this.image.Containers);
  }

  get VirtualSize(): string {
    return humanSize(this.image.Size);
  }

  get SharedSize(): string {
    return this.image.SharedSize === -1 || this.image.SharedSize === undefined ? 'N/A' : humanSize(this.image.SharedSize);
  }

  get UniqueSize(): string {
    if (this.image.Size === -1 || this.image.SharedSize === -1 || this.image.SharedSize === undefined) return 'N/A';
    return humanSize(this.image.Size - this.image.SharedSize);
  }

  toJSON(): Record<string, unknown> {
    const keys = ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'] as const;
    return Object.fromEntries(keys.map((k) => [k, this[k]]));
  }

  [GO_JSON](): string {
    return goMarshal(this.toJSON());
  }
}

/**
 * Rows for one image as docker lists them: `<none>` for a dangling image, else one row per
 * repository tag (digests shown per tag when asked for), plus digest-only repositories.
 */
export function imageRows(image: ImageSummary, options: { trunc: boolean; digests: boolean; now?: number }): ImageRow[] {
  const row = (repository: string, tag: string, digest: string) => new ImageRow(image, { repository, tag, digest }, options);
  const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  if (tags.length === 0 && digests.length === 0) return [row('<none>', '<none>', '<none>')];

  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const text of tags) {
    const ref = tryParse(text);
    if (ref?.tag === undefined) continue;
    const name = familiarName(ref);
    repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
  }
  for (const text of digests) {
    const ref = tryParse(text);
    if (ref?.digest === undefined) continue;
    const name = familiarName(ref);
    repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
  }
  const rows: ImageRow[] = [];
  for (const repo of [...repoTags.keys()].sort()) {
    const repoDigestList = options.digests ? (repoDigests.get(repo) ?? []) : [];
    repoDigests.delete(repo);
    for (const tag of repoTags.get(repo)!) {
      if (repoDigestList.length === 0) rows.push(row(repo, tag, '<none>'));
      for (const digest of repoDigestList) rows.push(row(repo, tag, digest));
    }
  }
  for (const repo of [...repoDigests.keys()].sort()) {
    if (options.digests) for (const digest of repoDigests.get(repo)!) rows.push(row(repo, '<none>', digest));
    else rows.push(row(repo, '<none>', ''));
  }
  return rows;
}

function tryParse(text: string) {
  try {
    return parseImageReference(text);
  } catch {
    return undefined;
  }
}
