import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressBar, toJsonMessage } from './progress-message.js';

describe('toJsonMessage', () => {
  it('draws moby\'s progress bar with decimal sizes', () => {
    assert.equal(progressBar(12_500_000, 25_000_000), `[${'='.repeat(25)}>${' '.repeat(24)}]   12.5MB/25MB`);
    assert.equal(progressBar(25_000_000, 25_000_000), `[${'='.repeat(50)}]     25MB/25MB`);
  });

  it('gives layer lines an id and progressDetail, operation lines neither', () => {
    assert.deepEqual(toJsonMessage({ id: 'abc', status: 'Pulling fs layer' }), { status: 'Pulling fs layer', progressDetail: {}, id: 'abc' });
    assert.deepEqual(toJsonMessage({ id: 'abc', status: 'Downloading', current: 1, total: 2 }).progressDetail, { current: 1, total: 2 });
    assert.deepEqual(toJsonMessage({ status: 'Digest: sha256:x' }), { status: 'Digest: sha256:x' });
  });
});
