import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendNetworkRules, buildRuleset } from './nft-ruleset.js';

test('buildRuleset refills every chain of its own table in one transaction and touches no other table', () => {
  const text = buildRuleset({ table: 'berth_x', networks: [], ports: [] });
  assert.match(text, /^table ip berth_x \{/);
  for (const c of ['published', 'nat_out', 'isolate', 'prerouting', 'output', 'postrouting', 'forward']) {
    assert.match(text, new RegExp(`\\nflush chain ip berth_x ${c}\\n`));
  }
  assert.doesNotMatch(text, /delete/, 'the base chains stay: no hook is registered again');
  assert.doesNotMatch(text.replace(/ip berth_x/g, ''), /(table|chain|rule) ip \w/);
});

test('buildRuleset publishes ports, masquerades, and keeps networks apart but through published ports', () => {
  const text = buildRuleset({
    table: 't',
    networks: [
      { bridge: 'berth0', subnet: '172.17.0.0/16', internal: false },
      { bridge: 'br-a', subnet: '172.18.0.0/16', internal: false },
      { bridge: 'br-i', subnet: '172.19.0.0/16', internal: true },
    ],
    ports: [
      { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, targetIp: '172.17.0.2', targetPort: 80 },
      { proto: 'udp', hostIp: '', hostPort: 5353, targetIp: '172.18.0.2', targetPort: 53 },
    ],
  });
  assert.match(text, /ip daddr 127\.0\.0\.1 tcp dport 8080 dnat to 172\.17\.0\.2:80/);
  assert.match(text, /\nadd rule ip t published udp dport 5353 dnat to 172\.18\.0\.2:53\n/);
  assert.match(text, /ip saddr 172\.17\.0\.0\/16 oifname != "berth0" masquerade/);
  assert.doesNotMatch(text, /ip saddr 172\.19\.0\.0\/16 oifname != "br-i" masquerade/, 'an internal network has no way out');
  assert.match(text, /iifname "br-i" oifname != "br-i" drop/);
  assert.match(text, /iifname "berth0" oifname \{ "br-a", "br-i" \} drop/);
  assert.ok(text.indexOf('ct status dnat accept') < text.indexOf('oifname { "br-a", "br-i" } drop'), 'published ports pass before the isolation drops');
  assert.match(text, /add rule ip t prerouting fib daddr type local jump published/);
});

test('appendNetworkRules adds one network in place: its masquerades and isolation both ways, nothing flushed or deleted', () => {
  const text = appendNetworkRules('t', { bridge: 'br-n', subnet: '172.20.0.0/16', internal: false }, ['berth0', 'br-a']);
  assert.doesNotMatch(text, /flush|delete|table ip t \{/);
  assert.match(text, /^add rule ip t nat_out oifname "br-n" ip saddr 127\.0\.0\.0\/8 masquerade\n/);
  assert.match(text, /\nadd rule ip t nat_out ip saddr 172\.20\.0\.0\/16 oifname != "br-n" masquerade\n/);
  assert.match(text, /\nadd rule ip t isolate iifname "br-n" oifname \{ "berth0", "br-a" \} drop\n/);
  assert.match(text, /\nadd rule ip t isolate oifname "br-n" iifname \{ "berth0", "br-a" \} drop\n/);
  const internal = appendNetworkRules('t', { bridge: 'br-i', subnet: '172.21.0.0/16', internal: true }, ['berth0']);
  assert.match(internal, /iifname "br-i" oifname != "br-i" drop/);
  assert.doesNotMatch(internal, /oifname != "br-i" masquerade/);
});
