import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderFormatted } from '../format/render-formatted.js';
import { GoTemplate } from '../template/go-template.js';
import { emptyStatsEntry, type StatsEntry } from './stats-entry.js';
import { statsFrame } from './stats-frame.js';
import { DEFAULT_STATS_FORMAT, formatPercentage, STATS_HEADERS, StatsRow } from './stats-row.js';

const ENTRY: StatsEntry = {
  container: 's2', name: '/s2', id: '81fdadd1e5a2036710957a121578558edd37e8211db53f585bd7f30d330d0b9b',
  cpuPercent: 69.7049, memory: 241664, memoryLimit: 25_275_629_568, memoryPercent: 0.000956,
  networkRx: 1_234_567, networkTx: 646, blockRead: 0, blockWrite: 12_300, pids: 3, invalid: false,
};

test('the default table shows binary memory sizes and decimal I/O sizes, as docker prints them', () => {
  const out = renderFormatted(DEFAULT_STATS_FORMAT, [new StatsRow(ENTRY, { trunc: true })], { header: STATS_HEADERS });
  assert.equal(out,
    'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O         BLOCK I/O     PIDS\n' +
    '81fdadd1e5a2   s2        69.70%    236KiB / 23.54GiB   0.00%     1.23MB / 646B   0B / 12.3kB   3\n');
});

test('an invalid entry shows -- and one without a sample has no name', () => {
  const row = new StatsRow({ ...ENTRY, invalid: true }, { trunc: true });
  assert.deepEqual([row.CPUPerc, row.MemUsage, row.MemPerc, row.NetIO, row.BlockIO, row.PIDs], ['--', '-- / --', '--', '--', '--', '--']);
  const fresh = new StatsRow(emptyStatsEntry('nope'), { trunc: true });
  assert.deepEqual([fresh.Container, fresh.Name, fresh.ID], ['nope', '--', '']);
});

test('json and --no-trunc', () => {
  assert.equal(GoTemplate.parse('{{json .}}').execute(new StatsRow(ENTRY, { trunc: true })),
    '{"BlockIO":"0B / 12.3kB","CPUPerc":"69.70%","Container":"s2","ID":"81fdadd1e5a2","MemPerc":"0.00%","MemUsage":"236KiB / 23.54GiB","Name":"s2","NetIO":"1.23MB / 646B","PIDs":"3"}');
  assert.equal(new StatsRow(ENTRY, { trunc: false }).ID, ENTRY.id);
});

test('statsFrame is the bytes docker 28 writes per redraw', () => {
  assert.equal(statsFrame('A   B\n1   2\n'), '\x1b[HA   B\n1   2\n\x1b[HA   B \x1b[K\n1   2 \x1b[K\n \x1b[K\n\x1b[J');
});

test('formatPercentage rounds as Go does, ties to even', () => {
  assert.deepEqual([0, 37.2049, 99.999, 0.125, 0.375, 0.625, 0.875, 12.5].map(formatPercentage),
    ['0.00%', '37.20%', '100.00%', '0.12%', '0.38%', '0.62%', '0.88%', '12.50%']);
});
