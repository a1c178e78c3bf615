import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '../bencode/index.js';
import { bytesToBinary, fromHex } from '../../util/bytes.js';
import {
  buildAnnounceQuery,
  buildScrapeQuery,
  compactPeer,
  decodeAnnounceResponse,
  decodeScrapeResponse,
  decodeUdpRequest,
  decodeUdpResponse,
  decodeWsMessage,
  encodeAnnounceResponse,
  encodeFailure,
  encodeScrapeResponse,
  encodeUdpAnnounceRequest,
  encodeUdpAnnounceResponse,
  encodeUdpAnnounceResponseOf,
  encodeUdpConnectRequest,
  encodeUdpConnectResponse,
  encodeUdpError,
  encodeUdpScrapeRequest,
  encodeUdpScrapeResponse,
  formatIPv6,
  ipv4ToInt,
  parseAnnounceQuery,
  parseIPv6,
  parseQueryString,
  parseScrapeQuery,
  scrapeUrlOf,
  TrackerError,
} from './index.js';

const HASH = fromHex('0123456789abcdef0123456789abcdef01234567');
const HASH2 = fromHex('ff00ff2025262b3d3f26ff00ff2025262b3d3f26');
const PEER = new TextEncoder().encode('-TK0100-abcdefghijkl');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TrackerError, String(err));
    return err.code;
  }
  return 'no error';
}

test('announce query round-trips binary ids byte-exactly (never decoded as UTF-8)', () => {
  const q = buildAnnounceQuery({
    infoHash: HASH2,
    peerId: PEER,
    port: 6881,
    uploaded: 1,
    downloaded: 2,
    left: 2 ** 40,
    event: 'started',
    numwant: 50,
    key: 'k1',
  });
  assert.match(q, /info_hash=%FF%00%FF%20%25%26%2B%3D%3F%26/);
  const p = parseAnnounceQuery(q);
  assert.deepEqual(p.infoHash, HASH2);
  assert.deepEqual(p.peerId, PEER);
  assert.equal(p.port, 6881);
  assert.equal(p.left, 2 ** 40);
  assert.equal(p.event, 'started');
  assert.equal(p.numwant, 50);
  assert.equal(p.compact, true);
  assert.equal(p.key, 'k1');
});

test('announce query: lowercase escapes, raw unreserved bytes, + as space, defaults', () => {
  const raw = `info_hash=${'%ab'.repeat(19)}A&peer_id=${'x'.repeat(19)}+&port=1&numwant=-1&event=empty`;
  const p = parseAnnounceQuery(raw);
  assert.equal(bytesToBinary(p.infoHash), '\xab'.repeat(19) + 'A');
  assert.equal(bytesToBinary(p.peerId), `${'x'.repeat(19)} `);
  assert.equal(p.numwant, undefined);
  assert.equal(p.event, undefined);
  assert.equal(p.uploaded, 0);
  assert.equal(p.compact, true);
  assert.equal(parseAnnounceQuery(`${raw}&compact=0`).compact, false);
});

test('announce query errors carry stable codes', () => {
  const ok = buildAnnounceQuery({ infoHash: HASH, peerId: PEER, port: 1, uploaded: 0, downloaded: 0, left: 0, event: undefined, numwant: undefined });
  assert.equal(code(() => parseAnnounceQuery(ok.replace(/info_hash=[^&]+/, 'info_hash=abc'))), 'BT_ERR_TRACKER_BAD_INFO_HASH');
  assert.equal(code(() => parseAnnounceQuery(ok.replace(/peer_id=[^&]+/, ''))), 'BT_ERR_TRACKER_BAD_PEER_ID');
  assert.equal(code(() => parseAnnounceQuery(ok.replace('port=1', 'port=70000'))), 'BT_ERR_TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(ok.replace('port=1', ''))), 'BT_ERR_TRACKER_BAD_PORT');
  assert.equal(code(() => parseAnnounceQuery(ok.replace('left=0', 'left=-5'))), 'BT_ERR_TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(ok.replace('left=0', 'left=99999999999999999999'))), 'BT_ERR_TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(ok.replace('left=0', 'left=018446744073709551615'))), 'BT_ERR_TRACKER_BAD_NUMBER');
  // Transmission's "size unknown" while it fetches a magnet link's metadata: INT64_MAX (older: UINT64_MAX).
  assert.equal(parseAnnounceQuery(ok.replace('left=0', 'left=9223372036854775807')).left, Number.MAX_SAFE_INTEGER);
  assert.equal(parseAnnounceQuery(ok.replace('left=0', 'left=18446744073709551615')).left, Number.MAX_SAFE_INTEGER);
  assert.equal(code(() => parseAnnounceQuery(`${ok}&event=bogus`)), 'BT_ERR_TRACKER_BAD_EVENT');
  assert.equal(code(() => parseAnnounceQuery(`${ok}&x=%4`)), 'BT_ERR_TRACKER_BAD_QUERY');
  assert.equal(code(() => parseAnnounceQuery(`${ok}&x=%zz`)), 'BT_ERR_TRACKER_BAD_QUERY');
  assert.equal(code(() => parseAnnounceQuery(`${ok}&x=\u00e9`)), 'BT_ERR_TRACKER_BAD_QUERY');
  assert.equal(code(() => parseAnnounceQuery(ok + '&a=1'.repeat(100))), 'BT_ERR_TRACKER_TOO_LARGE');
  assert.equal(code(() => parseQueryString('a='.padEnd(9000, 'b'))), 'BT_ERR_TRACKER_TOO_LARGE');
});

test('scrape query with many info hashes (BEP 48) and the scrape URL rule', () => {
  assert.deepEqual(parseScrapeQuery(buildScrapeQuery([HASH, HASH2])), [HASH, HASH2]);
  assert.equal(code(() => parseScrapeQuery(buildScrapeQuery(Array(101).fill(HASH)))), 'BT_ERR_TRACKER_TOO_LARGE');
  assert.equal(scrapeUrlOf('http://t.example/announce'), 'http://t.example/scrape');
  assert.equal(scrapeUrlOf('http://t.example/x/announce.php?pk=1'), 'http://t.example/x/scrape.php?pk=1');
  assert.equal(scrapeUrlOf('http://t.example/a'), undefined);
  assert.equal(scrapeUrlOf('http://t.example/announce/x'), undefined);
});

test('announce response: compact peers (BEP 23), peers6 (BEP 7), dictionary peers, failure and warning', () => {
  const peers = [
    { ip: '10.0.0.1', port: 6881, peerId: PEER },
    { ip: '2001:db8::1', port: 51413 },
  ];
  const compact = encodeAnnounceResponse({ interval: 1800, minInterval: 900, complete: 3, incomplete: 4, peers, compact: true, warning: 'w', trackerId: 'tid' });
  const d = decode(compact) as Record<string, unknown>;
  assert.deepEqual(d.peers, Uint8Array.from([10, 0, 0, 1, 0x1a, 0xe1]));
  assert.equal((d.peers6 as Uint8Array).length, 18);
  const r = decodeAnnounceResponse(compact);
  assert.deepEqual(r.peers, [{ ip: '10.0.0.1', port: 6881 }, { ip: '2001:db8::1', port: 51413 }]);
  assert.equal(r.interval, 1800);
  assert.equal(r.minInterval, 900);
  assert.equal(r.complete, 3);
  assert.equal(r.incomplete, 4);
  assert.equal(r.warning, 'w');
  assert.equal(r.trackerId, 'tid');
  const dict = decodeAnnounceResponse(encodeAnnounceResponse({ interval: 60, complete: 0, incomplete: 1, peers, compact: false }));
  assert.deepEqual(dict.peers[0], { ip: '10.0.0.1', port: 6881, peerId: PEER });
  assert.deepEqual(dict.peers[1], { ip: '2001:db8::1', port: 51413 });
  // Whatever a store keeps ready (an integer IPv4 address with the high bit set, compact bytes,
  // only the text) gives the same bytes; an unusable address is left out.
  const sources = [
    { ip: '203.0.113.250', port: 65535, ipv4: ipv4ToInt('203.0.113.250') },
    { ip: '10.0.0.1', port: 6881, compact: compactPeer('10.0.0.1', 6881) },
    { ip: 'not an address', port: 1 },
    { ip: '2001:db8::1', port: 51413, compact: compactPeer('2001:db8::1', 51413) },
    { ip: '192.0.2.1', port: 1 },
  ];
  const mixed = decode(encodeAnnounceResponse({ interval: 60, complete: 0, incomplete: 1, peers: sources, compact: true })) as Record<string, unknown>;
  assert.deepEqual(mixed.peers, Uint8Array.from([203, 0, 113, 250, 255, 255, 10, 0, 0, 1, 0x1a, 0xe1, 192, 0, 2, 1, 0, 1]));
  assert.deepEqual(mixed.peers6, compactPeer('2001:db8::1', 51413));
  assert.ok(ipv4ToInt('203.0.113.250')! < 0, 'the high bit makes it negative: a 32-bit integer, not a heap number');
  // The compact answer is written by hand: the same bytes as the bencode encoder's, whatever the fields.
  for (const extra of [{}, { minInterval: 30 }, { trackerId: 'tid' }, { warning: 'dégradé ⚠' }, { minInterval: 0, trackerId: '', warning: 'w' }]) {
    for (const peers of [[], sources, sources.slice(3)]) {
      const input = { interval: 1800, complete: 12345678901, incomplete: 0, peers, compact: true, ...extra };
      const expected: Record<string, unknown> = { interval: 1800, complete: 12345678901, incomplete: 0, 'min interval': input.minInterval, 'tracker id': input.trackerId, 'warning message': input.warning };
      const d = decode(encodeAnnounceResponse(input)) as Record<string, unknown>;
      expected.peers = d.peers;
      if (d.peers6) expected.peers6 = d.peers6;
      assert.deepEqual(encodeAnnounceResponse(input), encode(expected as never), JSON.stringify(extra));
    }
  }
  // A caller's allocator (a pool with room in front) gets the same bytes; answers written one
  // after another (the peers go through one reused buffer) do not change each other.
  const many = Array.from({ length: 200 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}`, port: 1000 + i, ipv4: ipv4ToInt(`10.0.${i >> 8}.${i & 255}`) }));
  const big = encodeAnnounceResponse({ interval: 60, complete: 1, incomplete: 2, peers: many, compact: true });
  const bigCopy = big.slice();
  const room = new Uint8Array(4096);
  const pooled = encodeAnnounceResponse({ interval: 60, complete: 1, incomplete: 2, peers: many, compact: true }, (n) => room.subarray(100, 100 + n));
  assert.equal(pooled.buffer, room.buffer);
  assert.equal(pooled.byteOffset, 100);
  assert.deepEqual(pooled, big);
  encodeAnnounceResponse({ interval: 60, complete: 1, incomplete: 2, peers: sources, compact: true });
  assert.deepEqual(big, bigCopy);
  assert.equal(ipv4ToInt('::1'), undefined);
  const failure = code(() => decodeAnnounceResponse(encodeFailure('unregistered torrent')));
  assert.equal(failure, 'BT_ERR_TRACKER_FAILURE');
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('<html>'))), 'BT_ERR_TRACKER_BAD_RESPONSE');
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('d8:intervali5e5:peers5:abcdee'))), 'BT_ERR_TRACKER_BAD_RESPONSE');
});

test('scrape response round-trips with binary info hash keys', () => {
  const entries = [
    { infoHash: HASH, complete: 1, downloaded: 2, incomplete: 3 },
    { infoHash: HASH2, complete: 0, downloaded: 0, incomplete: 7 },
  ];
  const back = decodeScrapeResponse(encodeScrapeResponse(entries));
  assert.deepEqual(back, entries);
});

test('IPv6 text <-> bytes', () => {
  for (const ip of ['::1', '2001:db8::1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '::']) assert.equal(formatIPv6(parseIPv6(ip)!), ip);
  assert.equal(formatIPv6(parseIPv6('::ffff:1.2.3.4')!), '::ffff:102:304');
  assert.equal(parseIPv6('1::2::3'), undefined);
  assert.equal(parseIPv6('12345::'), undefined);
  assert.equal(compactPeer('nonsense', 1), undefined);
});

test('UDP packets (BEP 15) round-trip in both directions', () => {
  assert.deepEqual(decodeUdpRequest(encodeUdpConnectRequest(0xdeadbeef)), { action: 'connect', transactionId: 0xdeadbeef });
  const cid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const c = decodeUdpResponse(encodeUdpConnectResponse(7, cid));
  assert.deepEqual(c, { action: 'connect', transactionId: 7, connectionId: cid });
  const a = decodeUdpRequest(
    encodeUdpAnnounceRequest({ connectionId: cid, transactionId: 9, infoHash: HASH, peerId: PEER, downloaded: 5, left: 2 ** 45, uploaded: 6, event: 'completed', key: 0xffffffff, numwant: undefined, port: 51413 }),
  );
  assert.equal(a.action, 'announce');
  if (a.action !== 'announce') return;
  assert.deepEqual(a.connectionId, cid);
  assert.deepEqual(a.infoHash, HASH);
  assert.deepEqual(a.peerId, PEER);
  assert.equal(a.left, 2 ** 45);
  assert.equal(a.event, 'completed');
  assert.equal(a.numwant, undefined);
  assert.equal(a.key, 0xffffffff);
  assert.equal(a.port, 51413);
  const peers = Uint8Array.from([...compactPeer('127.0.0.2', 1000)!, ...compactPeer('127.0.0.3', 1001)!]);
  const ar = decodeUdpResponse(encodeUdpAnnounceResponse(9, 120, 3, 4, peers));
  assert.deepEqual(ar, { action: 'announce', transactionId: 9, interval: 120, leechers: 3, seeders: 4, peers: [{ ip: '127.0.0.2', port: 1000 }, { ip: '127.0.0.3', port: 1001 }] });
  // Built straight from the peers (an integer IPv4 address, compact bytes, or only the text):
  // only peers of the asked family are written, unusable addresses are skipped.
  const mixed = [
    { ip: '127.0.0.2', port: 1000, ipv4: ipv4ToInt('127.0.0.2') },
    { ip: '::1', port: 7, compact: compactPeer('::1', 7) },
    { ip: 'not an address', port: 1 },
    { ip: '127.0.0.3', port: 1001 },
  ];
  assert.deepEqual(decodeUdpResponse(encodeUdpAnnounceResponseOf(9, 120, 3, 4, mixed, 6)), ar);
  const v6 = decodeUdpResponse(encodeUdpAnnounceResponseOf(9, 120, 3, 4, mixed, 18), true);
  assert.deepEqual(v6.action === 'announce' && v6.peers, [{ ip: '::1', port: 7 }]);
  let asked = -1;
  const viaAlloc = encodeUdpAnnounceResponseOf(1, 2, 3, 4, mixed, 6, (n) => new Uint8Array((asked = n) + 5).subarray(0, n));
  assert.equal(asked, 20 + 4 * 6, 'room for every peer');
  assert.equal(viaAlloc.length, 32, 'cut to the peers written');
  const s = decodeUdpRequest(encodeUdpScrapeRequest(cid, 11, [HASH, HASH2]));
  assert.deepEqual(s, { action: 'scrape', connectionId: cid, transactionId: 11, infoHashes: [HASH, HASH2] });
  const sr = decodeUdpResponse(encodeUdpScrapeResponse(11, [{ infoHash: HASH, complete: 1, downloaded: 2, incomplete: 3 }]));
  assert.deepEqual(sr, { action: 'scrape', transactionId: 11, entries: [{ complete: 1, downloaded: 2, incomplete: 3 }] });
  assert.deepEqual(decodeUdpResponse(encodeUdpError(4, 'bad')), { action: 'error', transactionId: 4, message: 'bad' });
});

test('UDP length checks and bad packets', () => {
  assert.equal(code(() => decodeUdpRequest(new Uint8Array(15))), 'BT_ERR_TRACKER_UDP_TRUNCATED');
  const connect = encodeUdpConnectRequest(1);
  connect[0] = 9;
  assert.equal(code(() => decodeUdpRequest(connect)), 'BT_ERR_TRACKER_UDP_BAD_PACKET');
  const ann = new Uint8Array(97);
  ann[11] = 1;
  assert.equal(code(() => decodeUdpRequest(ann)), 'BT_ERR_TRACKER_UDP_TRUNCATED');
  const scrape = new Uint8Array(16 + 21);
  scrape[11] = 2;
  assert.equal(code(() => decodeUdpRequest(scrape)), 'BT_ERR_TRACKER_UDP_TRUNCATED');
  const unknown = new Uint8Array(16);
  unknown[11] = 9;
  assert.equal(code(() => decodeUdpRequest(unknown)), 'BT_ERR_TRACKER_UDP_BAD_PACKET');
  assert.equal(code(() => decodeUdpResponse(new Uint8Array(7))), 'BT_ERR_TRACKER_UDP_TRUNCATED');
  assert.equal(code(() => decodeUdpResponse(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1, 0]))), 'BT_ERR_TRACKER_UDP_TRUNCATED');
});

test('WebSocket messages in the bittorrent-tracker format', () => {
  const ih = bytesToBinary(HASH2);
  const pid = bytesToBinary(PEER);
  const m = decodeWsMessage(
    JSON.stringify({ action: 'announce', info_hash: ih, peer_id: pid, uploaded: 0, downloaded: 0, left: 10, event: 'started', numwant: 5, offers: [{ offer: { type: 'offer', sdp: 'v=0' }, offer_id: 'o'.repeat(20) }] }),
  );
  assert.equal(m.action, 'announce');
  if (m.action !== 'announce') return;
  assert.deepEqual(m.infoHash, HASH2);
  assert.equal(m.offers.length, 1);
  assert.equal(m.numwant, 1);
  assert.equal(m.left, 10);
  const unknownLeft = decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: ih, peer_id: pid }));
  assert.equal(unknownLeft.action === 'announce' && unknownLeft.left, Number.POSITIVE_INFINITY);
  assert.deepEqual(decodeWsMessage(JSON.stringify({ action: 'scrape', info_hash: [ih, ih] })), { action: 'scrape', infoHashes: [HASH2, HASH2] });
  assert.equal(code(() => decodeWsMessage('{')), 'BT_ERR_TRACKER_WS_BAD_MESSAGE');
  assert.equal(code(() => decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: 'short', peer_id: pid }))), 'BT_ERR_TRACKER_BAD_INFO_HASH');
  assert.equal(code(() => decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: '\u1234'.repeat(20), peer_id: pid }))), 'BT_ERR_TRACKER_BAD_INFO_HASH');
  assert.equal(code(() => decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: ih, peer_id: pid, answer: { type: 'answer', sdp: 'x' } }))), 'BT_ERR_TRACKER_BAD_PEER_ID');
  assert.equal(code(() => decodeWsMessage(JSON.stringify({ action: 'nope' }))), 'BT_ERR_TRACKER_WS_BAD_MESSAGE');
  assert.equal(code(() => decodeWsMessage('x'.repeat(70_000))), 'BT_ERR_TRACKER_TOO_LARGE');
});
