import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageSummary } from '../../api/types/index.js';
import { renderFormatted } from '../format/render-formatted.js';
import { DEFAULT_IMAGES_FORMAT, IMAGES_HEADERS, imageRows } from './image-row.js';

const digest = 'sha256:' + 'd'.repeat(64);

function image(over: Partial<ImageSummary>): ImageSummary {
  return {
    Id: 'sha256:b2f33d0fd07be4f85f11284b8c5190443f7269c4cde84e651a930905c0eccb7e',
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: 1000,
    Size: 1984172,
    SharedSize: -1,
    Labels: {},
    Containers: -1,
    ...over,
  };
}

test('images renders docker\'s default table with a row per tag and <none> for dangling', () => {
  const now = 1000 * 1000 + 13 * 60_000;
  const rows = [
    ...imageRows(image({ RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Id: 'sha256:a8e111d02fc7dc9d' }), { trunc: true, digests: false, now }),
    ...imageRows(image({ RepoTags: ['localhost:5000/x/bb:2', 'busybox:latest', 'bb:1'] }), { trunc: true, digests: false, now }),
  ];
  assert.equal(
    renderFormatted(DEFAULT_IMAGES_FORMAT, rows, { header: IMAGES_HEADERS }),
    [
      'REPOSITORY            TAG       IMAGE ID       CREATED          SIZE',
      '<none>                <none>    a8e111d02fc7   13 minutes ago   1.98MB',
      'bb                    1         b2f33d0fd07b   13 minutes ago   1.98MB',
      'busybox               latest    b2f33d0fd07b   13 minutes ago   1.98MB',
      'localhost:5000/x/bb   2         b2f33d0fd07b   13 minutes ago   1.98MB',
      '',
    ].join('\n'),
  );
});

test('imageRows shows digests per tag when asked and digest-only repositories', () => {
  const img = image({ RepoTags: ['alpine:3'], RepoDigests: [`alpine@${digest}`, `other/x@${digest}`] });
  assert.deepEqual(
    imageRows(img, { trunc: true, digests: true }).map((r) => [r.Repository, r.Tag, r.Digest]),
    [
      ['alpine', '3', digest],
      ['other/x', '<none>', digest],
    ],
  );
  assert.deepEqual(
    imageRows(img, { trunc: true, digests: false }).map((r) => [r.Repository, r.Tag, r.Digest]),
    [
      ['alpine', '3', '<none>'],
      ['other/x', '<none>', ''],
    ],
  );
});

test('image rows marshal with Go\'s HTML escaping', () => {
  const [row] = imageRows(image({}), { trunc: true, digests: false, now: 1_000_000 });
  assert.match(renderFormatted('{{json .}}', [row!], { header: IMAGES_HEADERS }), /"Digest":"\\u003cnone\\u003e"/);
});
