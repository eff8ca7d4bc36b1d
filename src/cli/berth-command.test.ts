import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Option } from 'commander';
import type { CliStreams } from './cli-context.js';
import { normalizeFlags } from './berth-command.js';
import { runCli } from './run-cli.js';

async function cli(argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c) => (chunks.out += c));
  err.on('data', (c) => (chunks.err += c));
  const streams = { stdin: new PassThrough(), stdout: out, stderr: err } as unknown as CliStreams;
  // no daemon listens here: these cases must fail or finish before any request
  const status = await runCli(argv, streams, { BERTH_HOST: 'unix:///nonexistent/berth.sock' });
  return { status, ...chunks };
}

const options = [new Option('--rm'), new Option('-d, --detach'), new Option('-e, --env <list>'), new Option('--sig-proxy'), new Option('--no-sig-proxy')];

test('normalizeFlags rewrites pflag boolean spellings', () => {
  assert.deepEqual(normalizeFlags(['--rm=true', '--rm=false', '-d=1', '--sig-proxy=false', 'img'], { options, stopAtOperand: true }), ['--rm', '--detach', '--no-sig-proxy', 'img']);
});

test('normalizeFlags splits -e=VALUE and leaves everything after the first operand alone', () => {
  assert.deepEqual(normalizeFlags(['-e=A=1', '-e', 'B', 'img', '--rm=false', '-e=x'], { options, stopAtOperand: true }), ['-e', 'A=1', '-e', 'B', 'img', '--rm=false', '-e=x']);
});

test('normalizeFlags treats the value of a flag as a value, not an operand', () => {
  assert.deepEqual(normalizeFlags(['-e', 'img', '--rm=false'], { options, stopAtOperand: true }), ['-e', 'img']);
});

test('normalizeFlags rejects a bad boolean like strconv.ParseBool', () => {
  assert.throws(() => normalizeFlags(['--rm=maybe'], { options, stopAtOperand: true }), {
    message: 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
  });
});

test('an unknown flag exits 125 with the usage line', async () => {
  const r = await cli(['run', '--foo', 'busybox']);
  assert.equal(r.status, 125);
  assert.equal(r.err, "unknown flag: --foo\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n");
});

test('an unknown shorthand in a group and a missing value read like pflag', async () => {
  assert.match((await cli(['run', '-dz', 'busybox'])).err, /^unknown shorthand flag: 'z' in -z\n/);
  const missing = await cli(['ps', '-n']);
  assert.equal(missing.status, 125);
  assert.match(missing.err, /^flag needs an argument: 'n' in -n\n/);
  assert.match((await cli(['ps', '--last'])).err, /^flag needs an argument: --last\n/);
});

test('a bad flag value names the flag as docker does', async () => {
  const r = await cli(['run', '--memory', 'abc', 'busybox']);
  assert.equal(r.status, 125);
  assert.match(r.err, /^invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'\n/);
});

test('argument counts fail with status 1 and docker wording', async () => {
  const r = await cli(['run']);
  assert.equal(r.status, 1);
  assert.equal(r.err, "berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'berth run --help' for more information\n");
  assert.match((await cli(['rename', 'a'])).err, /^berth: 'berth rename' requires 2 arguments\n/);
  assert.match((await cli(['ps', 'x'])).err, /^berth: 'berth ps' accepts no arguments\n/);
});

test('an unknown command and a group without subcommand behave like docker', async () => {
  const unknown = await cli(['frob']);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.err, "berth: unknown command: berth frob\n\nRun 'berth --help' for more information\n");
  const group = await cli(['container']);
  assert.equal(group.status, 0);
  assert.match(group.err, /^Usage: {2}berth container COMMAND\n\nManage containers\n\nCommands:\n {2}attach {6}/);
});

test('a daemon that is not there is reported with docker\'s message', async () => {
  const r = await cli(['ps']);
  assert.equal(r.status, 1);
  assert.equal(r.err, 'Cannot connect to the Docker daemon at unix:///nonexistent/berth.sock. Is the docker daemon running?\n');
  const run = await cli(['run', 'busybox']);
  assert.equal(run.status, 125);
  assert.match(run.err, /^berth: Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/berth.sock\. Is the docker daemon running\?\n\nRun 'berth run --help'/);
});
