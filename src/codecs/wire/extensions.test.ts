import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '../bencode/index.js';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { concatBytes, fromHex, utf8Encode } from '../../util/bytes.js';
import {
  allowedFastSet,
  decodeExtensionHandshake,
  decodeMetadataMessage,
  decodePexMessage,
  encodeExtensionHandshake,
  encodeMetadataMessage,
  encodePexMessage,
  formatIP,
  generatePeerId,
  parseIPBytes,
  parsePeerId,
  PexFlags,
  WireError,
} from './index.js';

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WireError, `not a WireError: ${err}`);
    return err.code;
  }
  return 'no error';
}

test('BEP 6 allowed fast set: the BEP example vectors', () => {
  const ih = new Uint8Array(20).fill(0xaa);
  const ip = Uint8Array.of(80, 4, 4, 200);
  assert.deepEqual(allowedFastSet(ip, ih, 1313, 7), [1059, 431, 808, 1217, 287, 376, 1188]);
  assert.deepEqual(allowedFastSet(ip, ih, 1313, 9), [1059, 431, 808, 1217, 287, 376, 1188, 353, 508]);
  // same /24 gives the same set; k larger than the piece count is capped (no endless loop)
  assert.deepEqual(allowedFastSet(Uint8Array.of(80, 4, 4, 1), ih, 1313, 7), allowedFastSet(ip, ih, 1313, 7));
  assert.deepEqual(allowedFastSet(ip, ih, 3, 10).sort(), [0, 1, 2]);
  assert.deepEqual(allowedFastSet(ip, ih, 0, 10), []);
  const v6 = allowedFastSet(parseIPBytes('2001:db8:1::5')!, ih, 1000, 10);
  assert.equal(new Set(v6).size, 10);
  assert.deepEqual(allowedFastSet(parseIPBytes('2001:db8:1:ffff::9')!, ih, 1000, 10), v6);
});

test('BEP 10 extension handshake round trip and lenient optional keys', () => {
  const payload = encodeExtensionHandshake(
    { m: { ut_metadata: 1, ut_pex: 2 }, v: 'torrentkit 0.1.0', p: 6881, reqq: 500, yourip: Uint8Array.of(127, 0, 0, 1), metadataSize: 31235, uploadOnly: true },
    { e: 0 },
  );
  const h = decodeExtensionHandshake(payload);
  assert.deepEqual(h.m, { ut_metadata: 1, ut_pex: 2 });
  assert.equal(h.v, 'torrentkit 0.1.0');
  assert.equal(h.p, 6881);
  assert.equal(h.reqq, 500);
  assert.deepEqual(h.yourip, Uint8Array.of(127, 0, 0, 1));
  assert.equal(h.metadataSize, 31235);
  assert.equal(h.uploadOnly, true);
  assert.equal(h.raw.e, 0);
  // BEP 10's example: {m: {LT_metadata: 1, ut_pex: 2}, p: 6881, v: "µTorrent 1.2"}
  const ex = decodeExtensionHandshake(encode({ m: { LT_metadata: 1, ut_pex: 2 }, p: 6881, v: 'µTorrent 1.2' }));
  assert.equal(ex.v, 'µTorrent 1.2');
  assert.deepEqual(ex.m, { LT_metadata: 1, ut_pex: 2 });
  // odd optional keys are skipped, not fatal
  const odd = decodeExtensionHandshake(encode({ m: {}, p: 'x', reqq: -1, yourip: Uint8Array.of(1, 2, 3), upload_only: 0 }));
  assert.equal(odd.p, undefined);
  assert.equal(odd.reqq, undefined);
  assert.equal(odd.yourip, undefined);
  assert.equal(odd.uploadOnly, false);
  assert.deepEqual(decodeExtensionHandshake(encode({})).m, {});
});

test('BEP 10 extension handshake: shape errors are typed', () => {
  assert.equal(codeOf(() => decodeExtensionHandshake(utf8Encode('le'))), 'BT_ERR_WIRE_BAD_EXTENSION');
  assert.equal(codeOf(() => decodeExtensionHandshake(utf8Encode('d1:m'))), 'BT_ERR_WIRE_BAD_EXTENSION');
  assert.equal(codeOf(() => decodeExtensionHandshake(encode({ m: 3 }))), 'BT_ERR_WIRE_BAD_EXTENSION');
  assert.equal(codeOf(() => decodeExtensionHandshake(encode({ m: { a: 256 } }))), 'BT_ERR_WIRE_BAD_EXTENSION');
  assert.equal(codeOf(() => decodeExtensionHandshake(encode({ m: {}, metadata_size: 1 << 30 }))), 'BT_ERR_WIRE_BAD_EXTENSION');
  assert.equal(codeOf(() => decodeExtensionHandshake(encode({ m: {}, metadata_size: 100 }), { maxMetadataSize: 99 })), 'BT_ERR_WIRE_BAD_EXTENSION');
});

test('BEP 9 ut_metadata messages: the BEP examples and round trips', () => {
  assert.equal(new TextDecoder().decode(encodeMetadataMessage({ type: 'request', piece: 0 })), 'd8:msg_typei0e5:piecei0ee');
  assert.deepEqual(decodeMetadataMessage(utf8Encode('d8:msg_typei0e5:piecei0ee')), { type: 'request', piece: 0 });
  assert.deepEqual(decodeMetadataMessage(utf8Encode('d8:msg_typei2e5:piecei0ee')), { type: 'reject', piece: 0 });
  const data = new Uint8Array(3425).fill(7);
  const enc = encodeMetadataMessage({ type: 'data', piece: 0, totalSize: 3425, data });
  assert.deepEqual(decodeMetadataMessage(enc), { type: 'data', piece: 0, totalSize: 3425, data });
  const full = new Uint8Array(16384);
  assert.equal(decodeMetadataMessage(encodeMetadataMessage({ type: 'data', piece: 1, totalSize: 16384 * 2 + 5, data: full })).type, 'data');
  assert.deepEqual(decodeMetadataMessage(utf8Encode('d8:msg_typei9e5:piecei3ee')), { type: 'unknown', msgType: 9, piece: 3 });
});

test('BEP 9 ut_metadata limits', () => {
  const enc = (piece: number, totalSize: number, n: number) => concatBytes([encode({ msg_type: 1, piece, total_size: totalSize }), new Uint8Array(n)]);
  assert.equal(codeOf(() => decodeMetadataMessage(enc(0, 100, 99))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(enc(1, 100, 0))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(enc(0, 64 * 1024 * 1024, 16384))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(enc(0, 20000, 16385))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(utf8Encode('d5:piecei0ee'))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(utf8Encode('d8:msg_typei0e5:piecei-1ee'))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(utf8Encode('d8:msg_typei0e5:piecei0eexx'))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
  assert.equal(codeOf(() => decodeMetadataMessage(utf8Encode('i1e'))), 'BT_ERR_WIRE_BAD_METADATA_MESSAGE');
});

test('BEP 11 ut_pex: IPv4 and IPv6, flags, round trip, exact bytes', () => {
  const msg = {
    added: [
      { host: '10.0.0.1', port: 6881, flags: PexFlags.Seed | PexFlags.Reachable },
      { host: '2001:db8::1', port: 51413, flags: PexFlags.Utp },
      { host: '10.0.0.2', port: 1, flags: 0 },
    ],
    dropped: [{ host: '192.168.1.1', port: 80 }, { host: '::1', port: 443 }],
  };
  const enc = encodePexMessage(msg);
  const d = decodePexMessage(enc);
  assert.deepEqual(d.added, [msg.added[0], msg.added[2], msg.added[1]]);
  assert.deepEqual(d.dropped, msg.dropped);
  const expected = encode({
    added: Uint8Array.of(10, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 1),
    'added.f': Uint8Array.of(0x12, 0),
    added6: concatBytes([fromHex('20010db8000000000000000000000001'), Uint8Array.of(0xc8, 0xd5)]),
    'added6.f': Uint8Array.of(0x04),
    dropped: Uint8Array.of(192, 168, 1, 1, 0, 80),
    dropped6: concatBytes([fromHex('00000000000000000000000000000001'), Uint8Array.of(1, 0xbb)]),
  });
  assert.deepEqual(enc, expected);
  // missing flags count as 0, duplicates are dropped
  const dup = decodePexMessage(encode({ added: Uint8Array.of(1, 2, 3, 4, 0, 5, 1, 2, 3, 4, 0, 5) }));
  assert.deepEqual(dup.added, [{ host: '1.2.3.4', port: 5, flags: 0 }]);
});

test('BEP 11 ut_pex limits', () => {
  assert.equal(codeOf(() => decodePexMessage(encode({ added: new Uint8Array(7) }))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(encode({ added6: new Uint8Array(17) }))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(encode({ added: 5 }))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(encode({ added: new Uint8Array(6 * 51) }), { maxPeers: 50 })), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(encode({ dropped: new Uint8Array(6 * 201) }))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(new Uint8Array(1 << 20))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
  assert.equal(codeOf(() => decodePexMessage(utf8Encode('le'))), 'BT_ERR_WIRE_BAD_PEX_MESSAGE');
});

test('IP literal helpers', () => {
  assert.equal(formatIP(parseIPBytes('2001:0db8:0000:0000:0001:0000:0000:0001')!), '2001:db8::1:0:0:1');
  assert.equal(formatIP(parseIPBytes('::ffff:1.2.3.4')!), '::ffff:102:304');
  assert.equal(formatIP(parseIPBytes('fe80::1%eth0')!), 'fe80::1');
  assert.equal(formatIP(parseIPBytes('::')!), '::');
  assert.equal(formatIP(parseIPBytes('1:2:3:4:5:6:7:8')!), '1:2:3:4:5:6:7:8');
  assert.equal(parseIPBytes('1.2.3'), undefined);
  assert.equal(parseIPBytes('1.2.3.256'), undefined);
  assert.equal(parseIPBytes('1::2::3'), undefined);
  assert.equal(parseIPBytes('12345::'), undefined);
});

test('BEP 20 peer ids: ours, and known clients for display', () => {
  const id = generatePeerId(new SeededRng(1));
  assert.equal(id.length, 20);
  assert.equal(new TextDecoder().decode(id.subarray(0, 8)), '-TK0100-');
  assert.deepEqual(parsePeerId(id), { name: 'torrentkit', version: '0.1.0' });
  assert.notDeepEqual(generatePeerId(new SeededRng(2)), id);
  const p = (s: string) => parsePeerId(concatBytes([utf8Encode(s), new Uint8Array(20 - s.length)]));
  assert.deepEqual(p('-LT2080-'), { name: 'libtorrent', version: '2.0.8' });
  assert.deepEqual(p('-TR3000-'), { name: 'Transmission', version: '3.0.0' });
  assert.deepEqual(p('-qB4500-'), { name: 'qBittorrent', version: '4.5.0' });
  assert.deepEqual(p('-AZ2060-'), { name: 'Azureus', version: '2.0.6' });
  assert.deepEqual(p('A2-1-36-0-'), { name: 'aria2', version: '1.36.0' });
  assert.deepEqual(p('M4-20-8-'), { name: 'BitTorrent', version: '4.20.8' });
  assert.deepEqual(p('S58B-----'), { name: "Shadow's client", version: '5.8.11' });
  assert.deepEqual(p('XBT054d-'), { name: 'XBT Client', version: '0.5.4' });
  assert.deepEqual(p('-ML2.7.2-'), { name: 'MLdonkey', version: '2.7.2' });
  assert.equal(p('random-bytes-here'), undefined);
  assert.equal(parsePeerId(new Uint8Array(19)), undefined);
  assert.equal(codeOf(() => generatePeerId(new SeededRng(1), 'x'.repeat(21))), 'BT_ERR_WIRE_BAD_PEER_ID');
});
