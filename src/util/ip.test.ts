import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp, parseHostPort, parseIp, unmapIPv4 } from './ip.js';

test('IP text and bytes round-trip for both families', () => {
  for (const ip of ['127.0.0.1', '255.255.255.255', '::1', '2001:db8::1', '::ffff:1.2.3.4'.replace('::ffff:', '::ffff:')]) {
    const b = parseIp(ip);
    assert.ok(b, ip);
    assert.equal(parseIp(formatIp(b!))?.join(), b!.join(), ip);
  }
  for (const bad of ['1.2.3', '256.1.1.1', '1.2.3.4.5', 'a::b::c', 'host']) assert.equal(parseIp(bad), undefined, bad);
  assert.equal(unmapIPv4('::ffff:10.0.0.1'), '10.0.0.1');
});

test('host:port parsing accepts names, IPv4 and IPv6 forms and refuses bad ports', () => {
  assert.deepEqual(parseHostPort('127.0.0.2:6881'), { host: '127.0.0.2', port: 6881 });
  assert.deepEqual(parseHostPort('[::1]:51413'), { host: '::1', port: 51413 });
  assert.deepEqual(parseHostPort(' example.org:80 '), { host: 'example.org', port: 80 });
  for (const bad of ['nohostport', 'h:0', 'h:70000', ':80', 'h:']) assert.equal(parseHostPort(bad), undefined, bad);
});
