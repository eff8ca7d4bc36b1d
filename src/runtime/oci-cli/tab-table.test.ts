import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tabTable } from './tab-table.js';

describe('tabTable', () => {
  it('pads columns as runc list\'s tabwriter does: widest cell plus 3, at least 12, the last unpadded', () => {
    assert.equal(
      tabTable([['ID', 'PID', 'BUNDLE', 'OWNER'], ['c1', '643', '/tmp/rt-probe.1WZQ', 'root']]),
      'ID          PID         BUNDLE               OWNER\nc1          643         /tmp/rt-probe.1WZQ   root\n',
    );
  });
});
