import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryToBytes, utf8Encode } from '../../util/bytes.js';
import { concatBytes } from '../../util/bytes.js';
import { Bencoded, BencodeError, type BEncodable, type BValue, decode, decodePrefix, decodeWithRaw, encode, encodeChunks, encodeInto, encodingLength } from './index.js';

const b = (s: string) => binaryToBytes(s);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BencodeError, `expected BencodeError, got ${err}`);
    return err.code;
  }
  assert.fail('expected an error');
}

test('decodes the four types', () => {
  assert.equal(decode(b('i42e')), 42);
  assert.equal(decode(b('i-42e')), -42);
  assert.equal(decode(b('i0e')), 0);
  assert.deepEqual(decode(b('4:spam')), utf8Encode('spam'));
  assert.deepEqual(decode(b('0:')), new Uint8Array(0));
  assert.deepEqual(decode(b('l4:spami3ee')), [utf8Encode('spam'), 3]);
  const d = decode(b('d3:cow3:moo4:spaml1:a1:bee')) as Record<string, BValue>;
  assert.deepEqual(Object.keys(d), ['cow', 'spam']);
  assert.deepEqual(d.cow, utf8Encode('moo'));
});

test('integers beyond 2^53 come back as bigint, safe ones as number', () => {
  assert.equal(decode(b('i9007199254740991e')), 9007199254740991);
  assert.equal(decode(b('i9007199254740992e')), 9007199254740992n);
  assert.equal(decode(b('i-9223372036854775808e')), -9223372036854775808n);
  assert.equal(decode(b('i1234567890123456e')), 1234567890123456);
});

test('rejects malformed input with a stable code and offset', () => {
  assert.equal(code(() => decode(b('i03e'))), 'BT_ERR_BENCODE_LEADING_ZERO');
  assert.equal(code(() => decode(b('i-0e'))), 'BT_ERR_BENCODE_NEGATIVE_ZERO');
  assert.equal(code(() => decode(b('ie'))), 'BT_ERR_BENCODE_BAD_INTEGER');
  assert.equal(code(() => decode(b('i-e'))), 'BT_ERR_BENCODE_BAD_INTEGER');
  assert.equal(code(() => decode(b('i1x2e'))), 'BT_ERR_BENCODE_BAD_INTEGER');
  assert.equal(code(() => decode(b('i12'))), 'BT_ERR_BENCODE_TRUNCATED');
  assert.equal(code(() => decode(b('-3:abc'))), 'BT_ERR_BENCODE_NEGATIVE_LENGTH');
  assert.equal(code(() => decode(b('03:abc'))), 'BT_ERR_BENCODE_LEADING_ZERO');
  assert.equal(code(() => decode(b('5:abc'))), 'BT_ERR_BENCODE_TRUNCATED');
  assert.equal(code(() => decode(b('l4:spam'))), 'BT_ERR_BENCODE_TRUNCATED');
  assert.equal(code(() => decode(b('d3:cow'))), 'BT_ERR_BENCODE_TRUNCATED');
  assert.equal(code(() => decode(b('i1ei2e'))), 'BT_ERR_BENCODE_TRAILING_DATA');
  assert.equal(code(() => decode(b(''))), 'BT_ERR_BENCODE_TRUNCATED');
  assert.equal(code(() => decode(b('x'))), 'BT_ERR_BENCODE_UNEXPECTED_BYTE');
  assert.equal(code(() => decode(b('di1ei2ee'))), 'BT_ERR_BENCODE_KEY_NOT_STRING');
  assert.equal(code(() => decode(b(`i${'9'.repeat(21)}e`))), 'BT_ERR_BENCODE_INTEGER_TOO_LONG');
  assert.equal(code(() => decode(b('99999999999999999999:x'))), 'BT_ERR_BENCODE_TOO_LONG');
  // The offset names the byte where the input went wrong.
  const offset = (input: string) => {
    try {
      decode(b(input));
    } catch (e) {
      return (e as BencodeError).offset;
    }
    return undefined;
  };
  assert.equal(offset('l4:spami03ee'), 7);
  assert.equal(offset('i-0e'), 0);
  assert.equal(offset('li1e03:abce'), 4);
  assert.equal(offset('d1:ai1ex'), 7);
  assert.equal(offset('i1ei2e'), 3, 'trailing data starts at 3');
  assert.equal(offset('l4:spam'), 7, 'truncated at the end');
});

test('enforces depth, token and length limits', () => {
  assert.equal(code(() => decode(b('l'.repeat(101) + 'e'.repeat(101)))), 'BT_ERR_BENCODE_DEPTH');
  assert.deepEqual(decode(b('l'.repeat(100) + 'e'.repeat(100))) instanceof Array, true);
  assert.equal(code(() => decode(b(`l${'i1e'.repeat(10)}e`), { maxTokens: 10 })), 'BT_ERR_BENCODE_TOKENS');
  // The default, libtorrent's: 2,000,000 tokens (the list counts as one).
  assert.equal((decode(b(`l${'i1e'.repeat(1_999_999)}e`)) as unknown[]).length, 1_999_999);
  assert.equal(code(() => decode(b(`l${'i1e'.repeat(2_000_000)}e`))), 'BT_ERR_BENCODE_TOKENS');
  assert.equal(code(() => decode(b('4:spam'), { maxLength: 5 })), 'BT_ERR_BENCODE_TOO_LONG');
  // Deep nesting far beyond the limit must not overflow the stack.
  assert.equal(code(() => decode(b('l'.repeat(1_000_000)))), 'BT_ERR_BENCODE_DEPTH');
});

test('strict mode rejects unsorted and duplicate keys; default tolerates them', () => {
  assert.equal(code(() => decode(b('d1:bi1e1:ai2ee'), { strict: true })), 'BT_ERR_BENCODE_UNSORTED_KEYS');
  assert.equal(code(() => decode(b('d1:ai1e1:ai2ee'), { strict: true })), 'BT_ERR_BENCODE_DUPLICATE_KEY');
  assert.deepEqual({ ...(decode(b('d1:bi1e1:ai2ee')) as object) }, { a: 2, b: 1 });
  assert.deepEqual({ ...(decode(b('d1:ai1e1:ai2ee')) as object) }, { a: 2 });
  // Raw-byte order: 0xff sorts after 'z'.
  assert.doesNotThrow(() => decode(b('d1:zi1e1:\xffi2ee'), { strict: true }));
});

test('canonical encoder sorts keys as raw bytes and round-trips byte-exactly', () => {
  const samples = [
    'd3:cow3:moo4:spaml1:a1:bee',
    'd1:0i1e2:10i2e1:2i3e1:ai4e1:\xffi5ee',
    'li-5ei0ei9007199254740992ed0:0:ee',
    'd4:infod6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee',
  ];
  for (const s of samples) assert.deepEqual(encode(decode(b(s))), b(s), s);
  assert.deepEqual(encode({ b: 1, a: 'x', c: undefined }), b('d1:a1:x1:bi1ee'));
  assert.deepEqual(encode(new Map<string, BEncodable>([['z', 1], ['a', [1n]]])), b('d1:ali1ee1:zi1ee'));
  assert.deepEqual(encode('ö'), b('2:\xc3\xb6'));
  assert.equal(code(() => encode({ ['\u0100']: 1 })), 'BT_ERR_BENCODE_UNENCODABLE');
  assert.equal(code(() => encode(1.5)), 'BT_ERR_BENCODE_UNENCODABLE');
});

test('decodeWithRaw returns the original bytes of top-level values, even when unsorted', () => {
  const input = b('d4:infod1:bi1e1:ai2ee4:name1:xe');
  const { raw } = decodeWithRaw(input, ['info']);
  assert.deepEqual(raw.get('info'), b('d1:bi1e1:ai2ee'));
});

test('decodePrefix reports where the value ended', () => {
  const { value, end } = decodePrefix(b('d1:ai1ee\x00\x01binary'));
  assert.deepEqual({ ...(value as object) }, { a: 1 });
  assert.equal(end, 8);
});

test('the encoder sizes its output exactly, UTF-8 included', () => {
  const values: BEncodable[] = [
    'ö€😀 \ud800 lone',
    { 'k\xff': [1, -22, 333n, utf8Encode('bytes')], a: new Map<string, BEncodable>([['z', 'é']]) },
    [[], {}, '', 0, -1, 2 ** 53 - 1],
    new Uint8Array(100_000),
  ];
  for (const v of values) {
    const out = encode(v);
    assert.equal(out.byteLength, out.buffer.byteLength, 'one exact allocation');
    assert.deepEqual(encode(decode(out)), out);
  }
});

test('encodeChunks lists large byte strings as they are and copies only the small rest', () => {
  const pieces = new Uint8Array(50_000).fill(7);
  const torrent = { announce: 'http://t.example/a', info: { length: 5, name: 'x', 'piece length': 16384, pieces } };
  const chunks = encodeChunks(torrent);
  assert.deepEqual(concatBytes(chunks), encode(torrent));
  assert.equal(chunks.length, 3, 'before the pieces, the pieces, after them');
  assert.equal(chunks[1], pieces, 'the very same array, not a copy');
  assert.equal(chunks[0].buffer, chunks[2].buffer, 'the small parts share one buffer');
  assert.equal(chunks[0].buffer.byteLength, chunks[0].length + chunks[2].length, 'sized exactly');
  // Below the threshold everything is copied into one chunk.
  const one = encodeChunks(torrent, 100_000);
  assert.equal(one.length, 1);
  assert.deepEqual(one[0], encode(torrent));
});

test('Bencoded values are written verbatim, as one buffer or as chunks', () => {
  const info = encode({ name: 'n', pieces: new Uint8Array(3000).fill(1) });
  const whole = encode({ info: new Bencoded(info), z: 1 });
  assert.deepEqual(whole, encode({ info: decode(info), z: 1 }));
  const infoChunks = encodeChunks(decode(info));
  const chunked = encodeChunks({ info: new Bencoded(infoChunks), z: 1 });
  assert.deepEqual(concatBytes(chunked), whole);
  assert.ok(chunked.includes(infoChunks[1]), 'the pre-encoded large chunk is listed, not copied');
  assert.equal(new Bencoded(infoChunks).length, info.length);
  assert.equal(encodingLength({ info: new Bencoded(info) }), whole.length - '1:zi1e'.length);
});

test('encodeInto writes at an offset of the caller\'s buffer and refuses what does not fit', () => {
  const target = new Uint8Array(32).fill(0xee);
  assert.equal(encodeInto({ a: [1, 'é'] }, target, 3), 14);
  assert.deepEqual(target.subarray(3, 17), b('d1:ali1e2:\xc3\xa9ee'));
  assert.equal(target[2], 0xee);
  assert.equal(target[17], 0xee);
  const small = new Uint8Array(5).fill(0xee);
  assert.equal(code(() => encodeInto('too long', small)), 'BT_ERR_BENCODE_UNENCODABLE');
  assert.deepEqual(small, new Uint8Array(5).fill(0xee), 'nothing written');
  assert.equal(code(() => encodeInto(1, small, -1)), 'BT_ERR_BENCODE_UNENCODABLE');
});

test('integers are written digit by digit at every magnitude', () => {
  for (const n of [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 123456789, 2 ** 31, 2 ** 53 - 1]) {
    assert.deepEqual(encode(n), b(`i${n}e`), String(n));
    assert.deepEqual(encode(-n), b(`i${n === 0 ? 0 : -n}e`), String(-n));
    assert.deepEqual(encode(new Uint8Array(n % 5000)).subarray(0, String(n % 5000).length + 1), b(`${n % 5000}:`));
  }
  assert.deepEqual(encode(-(2n ** 70n)), b(`i${-(2n ** 70n)}e`));
});
