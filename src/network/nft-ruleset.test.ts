import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRuleset } from './nft-ruleset.js';

test('buildRuleset replaces the whole table in one transaction and touches no other', () => {
  const text = buildRuleset({ table: 'berth_x', networks: [], ports: [] });
  assert.match(text, /^add table ip berth_x\ndelete table ip berth_x\ntable ip berth_x \{/);
  assert.doesNotMatch(text.replace(/berth_x/g, ''), /table ip \w/);
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
  assert.match(text, /\n {4}udp dport 5353 dnat to 172\.18\.0\.2:53/);
  assert.match(text, /ip saddr 172\.17\.0\.0\/16 oifname != "berth0" masquerade/);
  assert.doesNotMatch(text, /ip saddr 172\.19\.0\.0\/16 oifname != "br-i" masquerade/, 'an internal network has no way out');
  assert.match(text, /iifname "br-i" oifname != "br-i" drop/);
  assert.match(text, /iifname "berth0" oifname \{ "br-a", "br-i" \} drop/);
  assert.ok(text.indexOf('ct status dnat accept') < text.indexOf('oifname { "br-a", "br-i" } drop'), 'published ports pass before the isolation drops');
});
