import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from './dockerfile.js';

test('parseDockerfile joins continuations, drops comments inside them and keeps line numbers', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\nFROM busybox AS b\nRUN echo a \\\n# inner\n  b\n\ncopy --chown=1:2 x /y\n');
  assert.equal(df.escape, '\\');
  assert.deepEqual(df.instructions.map((i) => [i.keyword, i.line, i.original, i.args]), [
    ['FROM', 2, 'FROM busybox AS b', 'busybox AS b'],
    ['RUN', 3, 'RUN echo a   b', 'echo a   b'],
    ['COPY', 7, 'copy --chown=1:2 x /y', 'x /y'],
  ]);
  assert.deepEqual(df.instructions[2]!.flags, [{ name: 'chown', value: '1:2' }]);
});

test('parseDockerfile honours the escape directive', () => {
  const df = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1]!.args, 'echo a   b');
});

test('parseDockerfile cuts heredocs out of RUN and COPY', () => {
  const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho hi\nEOF\nCOPY <<-"A" /a\n\tliteral $X\n\tA\nRUN true\n');
  const [, run, copy, last] = df.instructions;
  assert.equal(run!.args, '<<EOF');
  assert.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'echo hi\n', expand: true }]);
  assert.deepEqual(copy!.heredocs, [{ name: 'A', content: 'literal $X\n', expand: false }]);
  assert.equal(last!.line, 8);
});

test('parseDockerfile refuses what moby refuses, naming the line', () => {
  const cases: [string, string][] = [
    ['FROM busybox\nRUN true\nBOGUS x\n', 'dockerfile parse error line 3: unknown instruction: BOGUS'],
    ['FROM busybox\nENV\n', 'dockerfile parse error line 2: ENV requires at least one argument'],
    ['FROM busybox\nCOPY --bogus=1 a b\n', 'dockerfile parse error line 2: Unknown flag: bogus'],
    ['FROM busybox\nRUN <<EOF\nno end\n', 'dockerfile parse error line 2: unterminated heredoc EOF'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseDockerfile(text), { message });
});
