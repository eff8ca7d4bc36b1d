import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ellipsis } from './ellipsis.js';
import { goQuote } from './go-quote.js';
import { timeAgo } from './time-ago.js';
import { bytesSize, formatGoFloatG, humanSize } from './human-size.js';
import { compactJson } from './compact-json.js';
import { indentJson } from './indent-json.js';
import { DOCKER_TABLE, alignTabs } from './align-tabs.js';
import { truncateId } from './truncate-id.js';

test('alignTabs pads columns to the widest cell plus 3, at least 10, last cell unpadded', () => {
  const text = 'CONTAINER ID\tIMAGE\tNAMES\n5eeb38827096\tbusybox\tt1\n';
  assert.equal(
    alignTabs(text, DOCKER_TABLE),
    'CONTAINER ID   IMAGE     NAMES\n5eeb38827096   busybox   t1\n',
  );
});

test('alignTabs pads empty cells and counts wide characters twice', () => {
  const text = 'A\tB\tC\n\t\tx\n日本\tb\tc';
  assert.equal(alignTabs(text, { minWidth: 0, padding: 1 }), 'A    B C\n       x\n日本 b c');
});

test('alignTabs columns are blocks of adjacent lines', () => {
  // the middle line has no tab, so the first and last lines are sized separately
  assert.equal(alignTabs('aaaa\tb\nplain\nc\td', { minWidth: 0, padding: 1 }), 'aaaa b\nplain\nc d');
});

test('humanSize uses decimal units with 3 or 4 significant digits', () => {
  assert.equal(humanSize(0, 3), '0B');
  assert.equal(humanSize(1984172, 3), '1.98MB');
  assert.equal(humanSize(1984172), '1.984MB');
  assert.equal(humanSize(1240, 3), '1.24kB');
  assert.equal(humanSize(999, 3), '999B');
  assert.equal(humanSize(4_260_000, 3), '4.26MB');
  assert.equal(humanSize(999_500, 3), '1e+03kB');
  assert.equal(bytesSize(23.54 * 1024 ** 3), '23.54GiB');
});

test('formatGoFloatG matches Go %g', () => {
  assert.equal(formatGoFloatG(2, 3), '2');
  assert.equal(formatGoFloatG(123.456, 4), '123.5');
  assert.equal(formatGoFloatG(0.00001234, 3), '1.23e-05');
});

test('timeAgo words a past unix time as docker does', () => {
  assert.equal(timeAgo(100, 102_000), '2 seconds ago');
});

test('goQuote escapes like strconv.Quote', () => {
  assert.equal(goQuote("sh -c 'exit 3'"), `"sh -c 'exit 3'"`);
  assert.equal(goQuote('a"b\\c\n\t\x00\x7f'), '"a\\"b\\\\c\\n\\t\\x00\\x7f"');
  assert.equal(goQuote('héllo…'), '"héllo…"');
});

test('ellipsis cuts to the display width including the ellipsis', () => {
  assert.equal(ellipsis('sleep 1000', 20), 'sleep 1000');
  assert.equal(ellipsis('/docker-entrypoint.sh nginx', 20), '/docker-entrypoint.…');
  assert.equal(ellipsis('日本語日本語', 5), '日本…');
  assert.equal(ellipsis('abc', 1), 'a');
});

test('truncateId drops the algorithm and keeps 12 characters', () => {
  assert.equal(truncateId('sha256:b2f33d0fd07be4f85f11284b8c5190443f7269c4'), 'b2f33d0fd07b');
  assert.equal(truncateId('5eeb38827096ef9f'), '5eeb38827096');
});

test('indentJson re-indents without touching key order or escapes', () => {
  const raw = '{"b":1,"a":[],"c":{},"d":[1,{"x":"\\u003c a, b \\""}],"e":12345678901234567890}';
  assert.equal(
    indentJson(`[${raw}]`, '    '),
    [
      '[',
      '    {',
      '        "b": 1,',
      '        "a": [],',
      '        "c": {},',
      '        "d": [',
      '            1,',
      '            {',
      '                "x": "\\u003c a, b \\""',
      '            }',
      '        ],',
      '        "e": 12345678901234567890',
      '    }',
      ']',
    ].join('\n'),
  );
});

test('compactJson removes whitespace outside strings only', () => {
  assert.equal(compactJson('{ "a" : [ 1, 2 ],\n "b": "x y \\" z" }\n'), '{"a":[1,2],"b":"x y \\" z"}');
});
