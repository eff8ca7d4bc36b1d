import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GO_TYPE_NAME, GoTemplate } from './go-template.js';
import { HEADER_FUNCTIONS } from './template-functions.js';

const run = (src: string, data: unknown) => GoTemplate.parse(src).execute(data);

test('GoTemplate prints fields and nested fields', () => {
  const data = { State: { Status: 'running', Pid: 42 }, Name: '/t1' };
  assert.equal(run('{{.Name}} {{.State.Status}} {{.State.Pid}}', data), '/t1 running 42');
});

test('GoTemplate prints missing map keys as <no value> and Go-formats maps and slices', () => {
  assert.equal(run('{{.Nope}}', {}), '<no value>');
  assert.equal(run('{{.M}}', { M: { b: '2', a: '1' } }), 'map[a:1 b:2]');
  assert.equal(run('{{.L}}', { L: ['x', 'y', null] }), '[x y <nil>]');
  assert.equal(run('{{.N}}', { N: null }), '<nil>');
});

test('GoTemplate json renders dot, fields and missing values', () => {
  assert.equal(run('{{json .}}', { a: 1, b: ['x'] }), '{"a":1,"b":["x"]}');
  assert.equal(run('{{json .Config.Env}}', { Config: { Env: ['A=<1>'] } }), '["A=<1>"]');
  assert.equal(run('{{json .Missing}}', {}), 'null');
});

test('GoTemplate index looks up map keys and array items', () => {
  const data = { Labels: { 'com.x': 'y' }, L: ['a', 'b'] };
  assert.equal(run('{{index .Labels "com.x"}}|{{index .Labels "nope"}}|{{index .L 1}}', data), 'y||b');
});

test('GoTemplate pipes, parentheses and functions', () => {
  const data = { Name: 'Abc', Parts: ['a', 'b'] };
  assert.equal(run('{{.Name | lower}} {{upper .Name}} {{join .Parts ","}} {{(index .Parts 0) | upper}}', data), 'abc ABC a,b A');
  assert.equal(run('{{printf "%-5s|%3d" .Name 7}}', data), 'Abc  |  7');
  assert.equal(run('{{len .Parts}} {{pad .Name 1 2}}|', data), '2  Abc  |');
});

test('GoTemplate if/else/end, range and with', () => {
  assert.equal(run('{{if .A}}yes{{else}}no{{end}}', { A: '' }), 'no');
  assert.equal(run('{{if .A}}yes{{else if .B}}b{{else}}no{{end}}', { A: 0, B: 1 }), 'b');
  assert.equal(run('{{range .L}}[{{.}}]{{end}}', { L: ['a', 'b'] }), '[a][b]');
  assert.equal(run('{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}', { M: { b: 2, a: 1 } }), 'a=1;b=2;');
  assert.equal(run('{{range .L}}x{{else}}empty{{end}}', { L: [] }), 'empty');
  assert.equal(run('{{with .S}}{{.Status}}{{end}}', { S: { Status: 'up' } }), 'up');
  assert.equal(run('{{range .L}}{{$.Top}}{{end}}', { L: [1, 2], Top: 't' }), 'tt');
});

test('GoTemplate trims around {{- and -}} and skips comments', () => {
  assert.equal(run('a  {{- .X -}}  b{{/* note */}}', { X: 1 }), 'a1b');
});

test('GoTemplate calls methods with arguments and rejects unknown struct fields', () => {
  class Row {
    readonly [GO_TYPE_NAME] = '*formatter.ContainerContext';
    get ID() {
      return 'abc';
    }
    Label(name: string) {
      return `label:${name}`;
    }
  }
  assert.equal(run('{{.ID}} {{.Label "x"}}', new Row()), 'abc label:x');
  assert.throws(
    () => run('{{.Foo}}', new Row()),
    { message: 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext' },
  );
});

test('GoTemplate parse errors read like Go', () => {
  assert.throws(() => GoTemplate.parse('{{.Names'), { message: 'template: :1: unclosed action' });
  assert.throws(() => GoTemplate.parse('{{if .A}}x'), { message: 'template: :1: unexpected EOF' });
  assert.throws(() => GoTemplate.parse('{{end}}'), { message: 'template: :1: unexpected {{end}}' });
  assert.throws(() => run('{{nope .}}', {}), /function "nope" not defined/);
});

test('GoTemplate header functions leave titles alone', () => {
  const header = { ID: 'CONTAINER ID', Names: 'NAMES' };
  assert.equal(GoTemplate.parse('{{upper .ID}}\t{{json .Names}}').execute(header, { functions: HEADER_FUNCTIONS }), 'CONTAINER ID\tNAMES');
});

test('GoTemplate missingKeyError fails on absent map keys like inspect does', () => {
  const t = GoTemplate.parse('{{.State.Nope}}');
  assert.throws(() => t.execute({ State: {} }, { missingKeyError: true }), {
    message: 'template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"',
  });
});
