import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FlagSpec, parseFlags, UsageError } from './parse-flags.js';

const specs: FlagSpec[] = [
  { names: ['bundle', 'b'], kind: 'string', help: '' },
  { names: ['detach', 'd'], kind: 'bool', help: '' },
  { names: ['env', 'e'], kind: 'list', help: '' },
];

describe('parseFlags', () => {
  it('takes -name, --name, -name=value and -name value alike', () => {
    for (const argv of [['-b', 'x'], ['--bundle', 'x'], ['--bundle=x'], ['-bundle=x'], ['-b=x']]) {
      assert.equal(parseFlags(argv, specs, { interspersed: true }).flags.string('bundle'), 'x', argv.join(' '));
    }
  });

  it('moves flags after the arguments when interspersed, as urfave/cli reorders them', () => {
    const { flags, args } = parseFlags(['id', '--detach', 'sig'], specs, { interspersed: true });
    assert.deepEqual(args, ['id', 'sig']);
    assert.equal(flags.bool('detach'), true);
  });

  it('stops at the first argument otherwise, so that a command line keeps its own flags', () => {
    const { flags, args } = parseFlags(['-e', 'A=1', 'id', 'sh', '-c', 'echo -d'], specs, { interspersed: false });
    assert.deepEqual(args, ['id', 'sh', '-c', 'echo -d']);
    assert.deepEqual(flags.list('env'), ['A=1']);
    assert.equal(flags.bool('detach'), false);
  });

  it('collects a list flag in order and parses bool values like strconv.ParseBool', () => {
    const { flags } = parseFlags(['-e', 'A=1', '--env=B=2', '-d=false'], specs, { interspersed: true });
    assert.deepEqual(flags.list('env'), ['A=1', 'B=2']);
    assert.equal(flags.bool('detach'), false);
  });

  it('ends the flags at --', () => {
    assert.deepEqual(parseFlags(['--', '-d'], specs, { interspersed: true }).args, ['-d']);
  });

  it('rejects an unknown flag and a missing value with Go flag\'s messages', () => {
    assert.throws(() => parseFlags(['--bogus'], specs, { interspersed: true }), new UsageError('flag provided but not defined: -bogus'));
    assert.throws(() => parseFlags(['--bundle'], specs, { interspersed: true }), new UsageError('flag needs an argument: -bundle'));
  });
});
