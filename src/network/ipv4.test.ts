import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSubnet } from './choose-subnet.js';
import { formatIpv4, formatSubnet, hostRange, macOf, parseCidr, parseIpv4, subnetContains, subnetsOverlap } from './ipv4.js';

test('parseCidr takes any address of the subnet and refuses what is no CIDR', () => {
  const { address, subnet } = parseCidr('10.200.3.1/24');
  assert.equal(formatIpv4(address), '10.200.3.1');
  assert.equal(formatSubnet(subnet), '10.200.3.0/24');
  assert.throws(() => parseCidr('10.200.3.1'), /invalid CIDR address: 10.200.3.1/);
  assert.throws(() => parseCidr('10.256.3.1/24'), /invalid CIDR/);
  assert.throws(() => parseCidr('10.2.3.1/33'), /invalid CIDR/);
  assert.equal(parseIpv4('1.2.3'), undefined);
});

test('subnets overlap when one holds the other; hostRange leaves out network and broadcast', () => {
  const a = parseCidr('172.17.0.0/16').subnet;
  assert.ok(subnetsOverlap(a, parseCidr('172.17.5.0/24').subnet));
  assert.ok(!subnetsOverlap(a, parseCidr('172.18.0.0/16').subnet));
  assert.ok(subnetContains(a, parseIpv4('172.17.255.1')!));
  assert.deepEqual(hostRange(parseCidr('10.0.0.0/30').subnet).map(formatIpv4), ['10.0.0.1', '10.0.0.2']);
  assert.equal(macOf(parseIpv4('172.17.0.2')!), '02:42:ac:11:00:02');
});

test('chooseSubnet skips what routes and other networks use, as Docker picks its pools', () => {
  assert.equal(formatSubnet(chooseSubnet([])!), '172.17.0.0/16');
  const taken = ['172.17.0.0/16', '172.18.3.0/24', '10.0.0.0/8'].map((c) => parseCidr(c).subnet);
  assert.equal(formatSubnet(chooseSubnet(taken)!), '172.19.0.0/16');
  const all = [parseCidr('172.16.0.0/12').subnet, parseCidr('192.168.0.0/16').subnet];
  assert.equal(chooseSubnet(all), undefined);
  const pools = [{ base: '10.9.0.0/16', size: 24 }];
  assert.equal(formatSubnet(chooseSubnet([parseCidr('10.9.0.0/24').subnet], pools)!), '10.9.1.0/24');
});
