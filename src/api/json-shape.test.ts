import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkShape, type Shape } from './json-shape.js';

const shape: Shape = { object: { Name: 'string', Count: 'integer', On: 'boolean', Tags: { array: 'string' }, Env: { map: 'string' }, Cmd: { oneOf: ['string', { array: 'string' }] } } };

test('checkShape takes what Go would decode: null anywhere, unknown fields, integral numbers', () => {
  checkShape({ Name: 'x', Count: 5, On: true, Tags: ['a'], Env: { A: '1' }, Cmd: 'ls', Extra: { any: [1] } }, shape, '');
  checkShape({ Name: null, Count: null, Tags: null, Cmd: ['a', 'b'] }, shape, '');
  checkShape({ Count: -(2 ** 62) }, shape, '');
});

test('checkShape names the first field that does not fit, and what it got', () => {
  const bad: [unknown, RegExp][] = [
    [{ Name: 5 }, /invalid Name: want a string, got number 5$/],
    [{ Count: 1.5 }, /invalid Count: want an integer, got number 1.5/],
    [{ Count: 1e30 }, /invalid Count: want an integer/],
    [{ Count: '5' }, /invalid Count: want an integer, got string "5"/],
    [{ On: 'true' }, /invalid On: want a boolean/],
    [{ Tags: ['a', 2] }, /invalid Tags\[1\]: want a string/],
    [{ Env: { A: 1 } }, /invalid Env\["A"\]: want a string/],
    [{ Env: [] }, /invalid Env: want an object, got an array/],
    [{ Cmd: 5 }, /invalid Cmd: want a string or an array, got number 5/],
    [[], /invalid request body: want an object, got an array/],
    ['x'.repeat(100), /got string "x{40}…"/],
  ];
  for (const [v, re] of bad) assert.throws(() => checkShape(v, shape, ''), re);
});
