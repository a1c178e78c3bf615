import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toBase32, toHex } from '../../util/bytes.js';
import { MagnetError } from './errors.js';
import { formatMagnet, isSelected, parseMagnet, parseSelectOnly, parseTorrentId } from './magnet.js';

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const V2 = 'a'.repeat(64);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MagnetError, String(err));
    return err.code;
  }
  assert.fail('expected an error');
}

test('parses btih in hex and base32, dn, repeated tr, ws, xs, x.pe, so, xl', () => {
  const b32 = toBase32(fromHex(HEX));
  const m = parseMagnet(
    `magnet:?xt=urn:btih:${b32}&dn=Big+Buck%20Bunny&tr=udp%3A%2F%2Ft1%3A80&tr=http://t2/a?x=1%26y&tr=udp%3A%2F%2Ft1%3A80` +
      `&ws=http%3A%2F%2Fws%2F&xs=http://x/t.torrent&x.pe=127.0.0.1:6881&x.pe=[::1]:6882&x.pe=nohost&x.pe=h:0&x.pe=h:70000&so=0,2,4-6&xl=1234&foo=bar`,
  );
  assert.equal(toHex(m.infoHash!), HEX);
  assert.equal(m.name, 'Big Buck Bunny');
  assert.deepEqual(m.trackers, ['udp://t1:80', 'http://t2/a?x=1&y']);
  assert.deepEqual(m.webSeeds, ['http://ws/']);
  assert.deepEqual(m.exactSources, ['http://x/t.torrent']);
  assert.deepEqual(m.peers, ['127.0.0.1:6881', '[::1]:6882']);
  assert.deepEqual(m.selectOnly, [{ start: 0, end: 0 }, { start: 2, end: 2 }, { start: 4, end: 6 }]);
  assert.equal(m.length, 1234);
  assert.deepEqual(m.extra, [['foo', 'bar']]);
  assert.equal(toHex(parseMagnet(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`).infoHash!), HEX);
});

test('urn:btmh (sha2-256 multihash), hybrid links and xt.N', () => {
  const m = parseMagnet(`magnet:?xt.1=urn:btih:${HEX}&xt.2=urn:btmh:1220${V2}`);
  assert.equal(toHex(m.infoHash!), HEX);
  assert.equal(toHex(m.infoHashV2!), V2);
  assert.equal(code(() => parseMagnet(`magnet:?xt=urn:btmh:1114${V2}`)), 'BT_ERR_MAGNET_BAD_INFO_HASH');
  assert.equal(code(() => parseMagnet(`magnet:?xt=urn:btmh:1220${V2}00`)), 'BT_ERR_MAGNET_BAD_INFO_HASH');
});

test('errors: not a magnet, no hash, bad hash, conflicting hashes, bad so', () => {
  assert.equal(code(() => parseMagnet('http://x')), 'BT_ERR_MAGNET_NOT_MAGNET');
  assert.equal(code(() => parseMagnet('magnet:?dn=x')), 'BT_ERR_MAGNET_NO_INFO_HASH');
  assert.equal(code(() => parseMagnet('magnet:?xt=urn:sha1:abc')), 'BT_ERR_MAGNET_NO_INFO_HASH');
  assert.equal(code(() => parseMagnet('magnet:?xt=urn:btih:1234')), 'BT_ERR_MAGNET_BAD_INFO_HASH');
  assert.equal(code(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`)), 'BT_ERR_MAGNET_CONFLICTING_INFO_HASH');
  assert.equal(code(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=1-x`)), 'BT_ERR_MAGNET_BAD_PARAMETER');
  assert.equal(code(() => parseSelectOnly('5-2')), 'BT_ERR_MAGNET_BAD_PARAMETER');
  assert.equal(code(() => parseSelectOnly('99999999999')), 'BT_ERR_MAGNET_BAD_PARAMETER');
  // A malformed escape is kept, not fatal.
  assert.equal(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=100%`).name, '100%');
});

test('so ranges: large ranges are kept as ranges, not expanded', () => {
  const r = parseSelectOnly('0-2147483647');
  assert.deepEqual(r, [{ start: 0, end: 2147483647 }]);
  assert.ok(isSelected(r, 1e9));
  assert.ok(!isSelected(parseSelectOnly('1,3'), 2));
});

test('format and parse round-trip', () => {
  const link = {
    infoHash: fromHex(HEX),
    infoHashV2: fromHex(V2),
    name: 'a b&c=d/é',
    trackers: ['udp://t:80/announce', 'http://t/a?k=1&x=%20'],
    webSeeds: ['http://ws/'],
    exactSources: [],
    acceptableSources: [],
    peers: ['127.0.0.1:1'],
    selectOnly: [{ start: 1, end: 1 }, { start: 3, end: 5 }],
    length: 9,
    extra: [['x.foo', 'bar'] as const],
  };
  const uri = formatMagnet(link);
  assert.match(uri, new RegExp(`^magnet:\\?xt=urn:btih:${HEX}&xt=urn:btmh:1220${V2}&dn=`));
  assert.ok(uri.includes('so=1,3-5'));
  const back = parseMagnet(uri);
  assert.deepEqual({ ...back, infoHash: toHex(back.infoHash!), infoHashV2: toHex(back.infoHashV2!) }, { ...link, infoHash: HEX, infoHashV2: V2 });
  assert.equal(code(() => formatMagnet({ name: 'x' })), 'BT_ERR_MAGNET_NO_INFO_HASH');
});

test('parseTorrentId: magnet, bare hashes, URLs, files', () => {
  const id = parseTorrentId(HEX);
  assert.equal(id.kind, 'magnet');
  assert.equal(id.kind === 'magnet' && toHex(id.magnet.infoHash!), HEX);
  const b32 = parseTorrentId(toBase32(fromHex(HEX)).toLowerCase());
  assert.equal(b32.kind === 'magnet' && toHex(b32.magnet.infoHash!), HEX);
  const v2 = parseTorrentId(V2);
  assert.equal(v2.kind === 'magnet' && toHex(v2.magnet.infoHashV2!), V2);
  assert.deepEqual(parseTorrentId('https://x/y.torrent'), { kind: 'url', url: 'https://x/y.torrent' });
  assert.deepEqual(parseTorrentId('movie.torrent'), { kind: 'file', path: 'movie.torrent' });
  assert.deepEqual(parseTorrentId(`${HEX}.torrent`), { kind: 'file', path: `${HEX}.torrent` });
  assert.equal(parseTorrentId(`  magnet:?xt=urn:btih:${HEX} `).kind, 'magnet');
  assert.deepEqual(parseTorrentId('file:///tmp/a%20b.torrent'), { kind: 'file', path: '/tmp/a b.torrent' });
});

test('fuzz: random and mutated links only ever give a MagnetError', () => {
  const base = `magnet:?xt=urn:btih:${HEX}&xt=urn:btmh:1220${V2}&dn=x%20y&tr=udp://t:1&x.pe=1.2.3.4:5&so=0,2-4`;
  const alphabet = 'magnet:?xt=urn:btih:btmh:1220&=%,-.0123456789abcdefABCDEF+ \u00e9';
  let x = 3;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 4) % n;
  for (let i = 0; i < 5000; i++) {
    const chars = [...base];
    for (let e = 0; e < 1 + rnd(5); e++) chars[rnd(chars.length)] = alphabet[rnd(alphabet.length)];
    const input = rnd(4) === 0 ? chars.slice(0, rnd(chars.length)).join('') : chars.join('');
    try {
      const m = parseMagnet(input);
      assert.ok(m.infoHash || m.infoHashV2);
      parseMagnet(formatMagnet(m));
    } catch (err) {
      assert.ok(err instanceof MagnetError, `${input}: ${err}`);
    }
  }
});
