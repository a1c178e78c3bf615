import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '../bencode/index.js';
import { crc32c } from '../../util/crc32c.js';
import { fromHex, toHex, utf8Encode } from '../../util/bytes.js';
import {
  bep42NodeId,
  decodeCompactNodes,
  decodeKrpc,
  encodeCompactNodes,
  encodeKrpc,
  formatIp,
  isBep42Valid,
  KrpcCode,
  KrpcDecodeError,
  type KrpcMessage,
  parseIPv6,
} from './index.js';

const ID = utf8Encode('abcdefghij0123456789');
const IH = utf8Encode('mnopqrstuvwxyz123456');
const T = utf8Encode('aa');

function roundTrip(msg: KrpcMessage): KrpcMessage {
  const bytes = encodeKrpc(msg);
  const back = decodeKrpc(bytes);
  assert.deepEqual(encodeKrpc(back), bytes);
  return back;
}

test('BEP 5 example ping query encodes byte-exactly', () => {
  const bytes = encodeKrpc({ y: 'q', t: T, q: 'ping', id: ID });
  assert.equal(new TextDecoder().decode(bytes), 'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe');
  const back = decodeKrpc(bytes);
  assert.equal(back.y, 'q');
  assert.equal(back.y === 'q' && back.q, 'ping');
});

test('BEP 5 example announce_peer with implied_port round-trips', () => {
  const text = 'd1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe';
  const msg = decodeKrpc(utf8Encode(text));
  assert.ok(msg.y === 'q' && msg.q === 'announce_peer');
  assert.equal(msg.impliedPort, true);
  assert.equal(msg.port, 6881);
  assert.deepEqual(msg.token, utf8Encode('aoeusnth'));
  assert.equal(new TextDecoder().decode(encodeKrpc(msg)), text);
});

test('queries and responses round-trip with want, nodes6, values, token and ip', () => {
  roundTrip({ y: 'q', t: T, q: 'find_node', id: ID, target: IH, want: ['n4', 'n6'] });
  roundTrip({ y: 'q', t: T, q: 'get_peers', id: ID, infoHash: IH, noseed: true, readOnly: true });
  const r = roundTrip({
    y: 'r',
    t: T,
    id: ID,
    token: utf8Encode('tok'),
    nodes: [{ id: IH, address: '10.0.0.1', port: 6881 }],
    nodes6: [{ id: ID, address: '2001:db8::1', port: 51413 }],
    values: [
      { address: '1.2.3.4', port: 80 },
      { address: '::1', port: 443 },
    ],
    ip: { address: '127.0.0.1', port: 9 },
  });
  assert.ok(r.y === 'r');
  assert.equal(r.nodes6![0].address, '2001:db8::1');
  assert.deepEqual(r.values![1], { address: '::1', port: 443 });
  assert.deepEqual(r.ip, { address: '127.0.0.1', port: 9 });
  const e = roundTrip({ y: 'e', t: T, number: 201, message: 'A Generic Error Ocurred' });
  assert.ok(e.y === 'e' && e.number === 201);
});

test('an unknown method decodes as such (the node answers 204)', () => {
  const m = decodeKrpc(encode({ t: T, y: 'q', q: 'vote', a: { id: ID } }));
  assert.ok(m.y === 'q' && m.q === 'unknown' && m.method === 'vote');
});

test('bad queries throw typed errors carrying the transaction id', () => {
  const cases: [Uint8Array, string][] = [
    [encode({ t: T, y: 'q', q: 'find_node', a: { id: ID } }), KrpcCode.MissingField],
    [encode({ t: T, y: 'q', q: 'ping', a: { id: utf8Encode('short') } }), KrpcCode.BadField],
    [encode({ t: T, y: 'q', q: 'announce_peer', a: { id: ID, info_hash: IH, port: 70000, token: T } }), KrpcCode.BadField],
    [encode({ t: T, y: 'q', q: 'announce_peer', a: { id: ID, info_hash: IH, port: 1, token: new Uint8Array(65) } }), KrpcCode.Limit],
    [encode({ t: T, y: 'r', r: { id: ID, nodes: new Uint8Array(27) } }), KrpcCode.BadField],
    [encode({ t: T, y: 'r', r: { id: ID, nodes: new Uint8Array(26 * 65) } }), KrpcCode.TooLong],
    [encode({ t: T, y: 'r', r: { id: ID, nodes6: new Uint8Array(38 * 65) } }), KrpcCode.Limit],
  ];
  for (const [bytes, code] of cases) {
    assert.throws(() => decodeKrpc(bytes, { ...defaultLimits(), maxMessageBytes: code === KrpcCode.TooLong ? 1500 : 4096 }), (err) => {
      assert.ok(err instanceof KrpcDecodeError);
      assert.equal(err.code, code);
      if (code !== KrpcCode.TooLong) assert.deepEqual(err.transactionId, T);
      return true;
    });
  }
  assert.throws(() => decodeKrpc(utf8Encode('d1:t2:aa1:y1:q')), { code: KrpcCode.Malformed });
  assert.throws(() => decodeKrpc(utf8Encode('li1ee')), { code: KrpcCode.Malformed });
  assert.throws(() => decodeKrpc(encode({ y: 'q', q: 'ping', a: { id: ID } })), { code: KrpcCode.MissingField });
  assert.throws(() => decodeKrpc(encode({ t: new Uint8Array(17), y: 'q', q: 'ping', a: { id: ID } })), { code: KrpcCode.Limit });
});

function defaultLimits() {
  return { maxMessageBytes: 2048, maxNodes: 64, maxValues: 200, maxTokenBytes: 64, maxTransactionBytes: 16 };
}

test('compact node info: 26 bytes IPv4, 38 bytes IPv6', () => {
  const n4 = encodeCompactNodes([{ id: ID, address: '192.168.1.2', port: 6881 }], 'IPv4');
  assert.equal(n4.length, 26);
  assert.equal(toHex(n4.subarray(20)), 'c0a801021ae1');
  const n6 = encodeCompactNodes([{ id: ID, address: 'fe80::1:2', port: 1 }], 'IPv6');
  assert.equal(n6.length, 38);
  assert.deepEqual(decodeCompactNodes(n6, 'IPv6', 8)[0].address, 'fe80::1:2');
});

test('IPv6 text forms parse and format canonically', () => {
  assert.equal(formatIp(parseIPv6('2001:0db8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1');
  assert.equal(formatIp(parseIPv6('::')!), '::');
  assert.equal(formatIp(parseIPv6('::ffff:1.2.3.4')!), '::ffff:102:304');
  assert.equal(formatIp(parseIPv6('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
  assert.equal(parseIPv6('1::2::3'), undefined);
  assert.equal(parseIPv6('12345::'), undefined);
});

test('addresses no node can have are recognised', async () => {
  const { isUsableAddress } = await import('./index.js');
  for (const a of ['0.0.0.0', '0.1.2.3', '224.0.0.1', '239.192.152.143', '255.255.255.255', '::', 'ff02::1', 'nonsense']) assert.equal(isUsableAddress(a), false, a);
  for (const a of ['1.2.3.4', '127.0.0.1', '10.0.0.1', '::1', '2001:db8::1']) assert.equal(isUsableAddress(a), true, a);
});

test('crc32c matches the standard check value', () => {
  assert.equal(crc32c(utf8Encode('123456789')).toString(16), 'e3069283');
});

test('BEP 42 test vectors', () => {
  const vectors: [string, number, string][] = [
    ['124.31.75.21', 1, '5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401'],
    ['21.75.31.124', 86, '5a3ce9c14e7a08645677bbd1cfe7d8f956d53256'],
    ['65.23.51.170', 22, 'a5d43220bc8f112a3d426c84764f8c2a1150e616'],
    ['84.124.73.14', 65, '1b0321dd1bb1fe518101ceef99462b947a01ff41'],
    ['43.213.53.83', 90, 'e56f6cbf5b7c4be0237986d5243b87aa6d51305a'],
  ];
  for (const [ip, rand, hex] of vectors) {
    const expected = fromHex(hex);
    assert.ok(isBep42Valid(expected, ip), ip);
    const random = expected.slice();
    random[19] = rand;
    const made = bep42NodeId(ip, random);
    assert.equal(toHex(made.subarray(0, 2)), hex.slice(0, 4));
    assert.equal(made[2] & 0xf8, expected[2] & 0xf8);
    const wrong = expected.slice();
    wrong[0] ^= 0x80;
    assert.equal(isBep42Valid(wrong, ip), false);
  }
  assert.ok(isBep42Valid(new Uint8Array(20), '127.0.0.1'), 'loopback is exempt');
  assert.ok(isBep42Valid(bep42NodeId('2001:db8::5', new Uint8Array(20).fill(7)), '2001:db8::5'));
});
