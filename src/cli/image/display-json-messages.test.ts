import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { JSONMessage } from '../../api/types/index.js';
import { displayJsonMessages } from './display-json-messages.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += chunk.toString(); cb(); } }) as Writable & { isTTY: boolean; text: string };
  w.text = '';
  w.isTTY = isTTY;
  return w;
}

async function* from(ms: JSONMessage[]): AsyncGenerator<JSONMessage> {
  yield* ms;
}

const stream: JSONMessage[] = [
  { status: 'Pulling from x', id: 'latest' },
  { status: 'Pulling fs layer', id: 'aaa', progressDetail: {} },
  { status: 'Pulling fs layer', id: 'bbb', progressDetail: {} },
  { status: 'Downloading', id: 'aaa', progressDetail: { current: 1, total: 2 }, progress: '[==>   ] 1B/2B' },
  { status: 'Pull complete', id: 'aaa', progressDetail: {} },
  { status: 'Digest: sha256:d' },
];

describe('displayJsonMessages', () => {
  it('prints plain status lines without the bar updates when not on a terminal', async () => {
    const out = sink(false);
    await displayJsonMessages(from(stream), out);
    assert.equal(out.text, 'latest: Pulling from x\naaa: Pulling fs layer\nbbb: Pulling fs layer\naaa: Pull complete\nDigest: sha256:d\n');
  });

  it('redraws a layer\'s line in place on a terminal', async () => {
    const out = sink(true);
    await displayJsonMessages(from(stream), out);
    assert.equal(out.text, [
      'latest: Pulling from x\n', 'aaa: Pulling fs layer\n', 'bbb: Pulling fs layer\n',
      '\x1b[2A\x1b[2K\raaa: Downloading [==>   ] 1B/2B\x1b[2B\r',
      '\x1b[2A\x1b[2K\raaa: Pull complete\x1b[2B\r',
      'Digest: sha256:d\n',
    ].join(''));
  });
});
