import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { concatBytes, utf8Encode } from '../../util/bytes.js';
import {
  CHOKE,
  decodeHandshake,
  encodeBitfield,
  encodeCancel,
  encodeExtended,
  encodeHandshake,
  encodeHave,
  encodeMessage,
  encodePieceHeader,
  encodeRequest,
  encodeReserved,
  decodeReserved,
  type Handshake,
  KEEP_ALIVE,
  WireDecoder,
  type WireDecoderOptions,
  WireError,
  type WireMessage,
} from './index.js';

const IH = new Uint8Array(20).fill(0xaa);
const PID = utf8Encode('-TK0100-abcdefghijkl');

function collect(options: WireDecoderOptions = {}) {
  const messages: WireMessage[] = [];
  const handshakes: Handshake[] = [];
  const d = new WireDecoder({ handshake: (h) => handshakes.push(h), message: (m) => messages.push(m) }, options);
  return { d, messages, handshakes };
}

function decodeAll(bytes: Uint8Array, options: WireDecoderOptions = { handshake: false }): WireMessage[] {
  const { d, messages } = collect(options);
  d.push(bytes);
  return messages;
}

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WireError, `not a WireError: ${err}`);
    return err.code;
  }
  return 'no error';
}

test('handshake: layout, reserved bits by name, round trip', () => {
  const hs = encodeHandshake(IH, PID, { extended: true, fast: true, dht: true, v2: true });
  assert.equal(hs.length, 68);
  assert.equal(hs[0], 19);
  assert.equal(new TextDecoder().decode(hs.subarray(1, 20)), 'BitTorrent protocol');
  // BEP 10: reserved[5] 0x10; BEP 6: reserved[7] 0x04; BEP 5: reserved[7] 0x01; BEP 52: reserved[7] 0x10
  assert.deepEqual([...hs.subarray(20, 28)], [0, 0, 0, 0, 0, 0x10, 0, 0x15]);
  const h = decodeHandshake(hs);
  assert.deepEqual(h.flags, { extended: true, fast: true, dht: true, v2: true });
  assert.deepEqual(h.infoHash, IH);
  assert.deepEqual(h.peerId, PID);
  assert.deepEqual(decodeReserved(encodeReserved({ fast: true })), { extended: false, fast: true, dht: false, v2: false });
});

test('handshake then messages, fed one byte at a time', () => {
  const stream = concatBytes([
    encodeHandshake(IH, PID, { fast: true }),
    encodeBitfield(Uint8Array.of(0b1010_0000)),
    KEEP_ALIVE,
    encodeHave(2),
    encodeRequest(1, 16384, 16384),
  ]);
  const { d, messages, handshakes } = collect({ pieceCount: 3 });
  for (const b of stream) d.push(Uint8Array.of(b));
  assert.equal(handshakes.length, 1);
  assert.deepEqual(handshakes[0].flags.fast, true);
  assert.deepEqual(messages, [
    { type: 'bitfield', bytes: Uint8Array.of(0b1010_0000) },
    { type: 'keepAlive' },
    { type: 'have', index: 2 },
    { type: 'request', index: 1, begin: 16384, length: 16384 },
  ]);
  assert.equal(d.bufferedBytes, 0);
});

test('every message encodes and decodes back (byte-exact both ways)', () => {
  const all: WireMessage[] = [
    { type: 'keepAlive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'notInterested' },
    { type: 'have', index: 7 },
    { type: 'bitfield', bytes: Uint8Array.of(0xff, 0x80) },
    { type: 'request', index: 1, begin: 0, length: 16384 },
    { type: 'piece', index: 1, begin: 16384, block: Uint8Array.of(1, 2, 3) },
    { type: 'cancel', index: 1, begin: 0, length: 100 },
    { type: 'port', port: 6881 },
    { type: 'suggest', index: 3 },
    { type: 'haveAll' },
    { type: 'haveNone' },
    { type: 'reject', index: 2, begin: 32768, length: 16384 },
    { type: 'allowedFast', index: 8 },
    { type: 'extended', extId: 0, payload: utf8Encode('d1:md11:ut_metadatai1eee') },
    { type: 'unknown', id: 21, payload: Uint8Array.of(9, 9) },
  ];
  const stream = concatBytes(all.map(encodeMessage));
  const decoded = decodeAll(stream, { handshake: false, pieceCount: 9 });
  assert.deepEqual(decoded, all);
  assert.deepEqual(concatBytes(decoded.map(encodeMessage)), stream);
  assert.deepEqual([...CHOKE], [0, 0, 0, 1, 0]);
  assert.deepEqual([...encodeHave(0x01020304)], [0, 0, 0, 5, 4, 1, 2, 3, 4]);
});

test('piece header + block on the wire equals a whole piece message; a block in one chunk is not copied', () => {
  const block = new Uint8Array(16384).map((_, i) => i & 0xff);
  const header = encodePieceHeader(5, 32768, block.length);
  assert.equal(header.length, 13);
  const chunk = concatBytes([header, block]);
  const [m] = decodeAll(chunk);
  assert.equal(m.type, 'piece');
  if (m.type !== 'piece') return;
  assert.equal(m.index, 5);
  assert.equal(m.begin, 32768);
  assert.deepEqual(m.block, block);
  assert.equal(m.block.buffer, chunk.buffer, 'block is a view into the received chunk');
});

test('limits: oversized length prefix fails before the body arrives', () => {
  const { d, messages } = collect({ handshake: false, maxMessageLength: 1000 });
  assert.equal(codeOf(() => d.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))), 'BT_ERR_WIRE_MESSAGE_TOO_LARGE');
  assert.equal(messages.length, 0);
  // dead after an error
  assert.equal(codeOf(() => d.push(KEEP_ALIVE)), 'BT_ERR_WIRE_MESSAGE_TOO_LARGE');
});

test('limits: request larger than 16 KiB, zero-length request, bad fixed lengths', () => {
  assert.equal(codeOf(() => decodeAll(encodeRequest(0, 0, 16385))), 'BT_ERR_WIRE_BLOCK_TOO_LARGE');
  assert.equal(codeOf(() => decodeAll(encodeRequest(0, 0, 0))), 'BT_ERR_WIRE_BLOCK_TOO_LARGE');
  assert.equal(codeOf(() => decodeAll(encodeCancel(0, 0, 1 << 20))), 'BT_ERR_WIRE_BLOCK_TOO_LARGE');
  assert.equal(codeOf(() => decodeAll(Uint8Array.of(0, 0, 0, 2, 1, 0))), 'BT_ERR_WIRE_BAD_LENGTH');
  assert.equal(codeOf(() => decodeAll(Uint8Array.of(0, 0, 0, 4, 4, 0, 0, 0))), 'BT_ERR_WIRE_BAD_LENGTH');
  assert.equal(codeOf(() => decodeAll(Uint8Array.of(0, 0, 0, 5, 7, 0, 0, 0, 0))), 'BT_ERR_WIRE_BAD_LENGTH');
  assert.equal(codeOf(() => decodeAll(Uint8Array.of(0, 0, 0, 1, 20))), 'BT_ERR_WIRE_BAD_LENGTH');
  const big = concatBytes([encodePieceHeader(0, 0, 16385), new Uint8Array(16385)]);
  assert.equal(codeOf(() => decodeAll(big)), 'BT_ERR_WIRE_BLOCK_TOO_LARGE');
  assert.equal(decodeAll(big, { handshake: false, maxBlockLength: 32768 }).length, 1);
});

test('bitfield: length must match the piece count and spare bits must be zero', () => {
  assert.equal(decodeAll(encodeBitfield(Uint8Array.of(0xff, 0xe0)), { handshake: false, pieceCount: 11 }).length, 1);
  assert.equal(codeOf(() => decodeAll(encodeBitfield(Uint8Array.of(0xff, 0xf0)), { handshake: false, pieceCount: 11 })), 'BT_ERR_WIRE_BAD_BITFIELD');
  assert.equal(codeOf(() => decodeAll(encodeBitfield(Uint8Array.of(0xff)), { handshake: false, pieceCount: 11 })), 'BT_ERR_WIRE_BAD_BITFIELD');
  assert.equal(codeOf(() => decodeAll(encodeBitfield(new Uint8Array(3)), { handshake: false, pieceCount: 11 })), 'BT_ERR_WIRE_BAD_BITFIELD');
  // unknown piece count: passed through for the caller to check later
  assert.equal(decodeAll(encodeBitfield(Uint8Array.of(0xff, 0xff))).length, 1);
  // a large torrent's bitfield is allowed past the default message limit
  const n = 9_000_000;
  const bf = new Uint8Array((n + 7) >> 3);
  assert.equal(decodeAll(encodeBitfield(bf), { handshake: false, pieceCount: n }).length, 1);
});

test('piece indices are checked when the piece count is known', () => {
  assert.equal(codeOf(() => decodeAll(encodeHave(10), { handshake: false, pieceCount: 10 })), 'BT_ERR_WIRE_BAD_PIECE_INDEX');
  assert.equal(codeOf(() => decodeAll(encodeRequest(10, 0, 1), { handshake: false, pieceCount: 10 })), 'BT_ERR_WIRE_BAD_PIECE_INDEX');
  const { d, messages } = collect({ handshake: false });
  d.push(encodeHave(10));
  d.setPieceCount(10);
  assert.equal(codeOf(() => d.push(encodeHave(10))), 'BT_ERR_WIRE_BAD_PIECE_INDEX');
  assert.equal(messages.length, 1);
});

test('unknown ids: emit, ignore or error', () => {
  const msg = Uint8Array.of(0, 0, 0, 2, 99, 7);
  assert.deepEqual(decodeAll(msg), [{ type: 'unknown', id: 99, payload: Uint8Array.of(7) }]);
  assert.deepEqual(decodeAll(concatBytes([msg, CHOKE]), { handshake: false, unknownMessages: 'ignore' }), [{ type: 'choke' }]);
  assert.equal(codeOf(() => decodeAll(msg, { handshake: false, unknownMessages: 'error' })), 'BT_ERR_WIRE_UNKNOWN_MESSAGE');
});

test('a foreign or encrypted stream is refused on its first wrong byte', () => {
  const { d } = collect();
  assert.equal(codeOf(() => d.push(Uint8Array.of(19, 0x42, 0x69, 0x74, 0x54, 0x00))), 'BT_ERR_WIRE_BAD_PROTOCOL');
  const http = collect();
  assert.equal(codeOf(() => http.d.push(utf8Encode('GET / HTTP/1.1\r\n'))), 'BT_ERR_WIRE_BAD_PROTOCOL');
});

test('stop() ends decoding inside a push', () => {
  const messages: WireMessage[] = [];
  const d: WireDecoder = new WireDecoder({
    message: (m) => {
      messages.push(m);
      d.stop();
    },
  }, { handshake: false });
  d.push(concatBytes([CHOKE, CHOKE, CHOKE]));
  assert.equal(messages.length, 1);
  d.push(CHOKE);
  assert.equal(messages.length, 1);
});

test('random split points give the same messages as one push (seeded)', () => {
  const rng = new SeededRng(42);
  const parts: Uint8Array[] = [encodeHandshake(IH, PID, {})];
  for (let i = 0; i < 300; i++) {
    const k = rng.int(5);
    if (k === 0) parts.push(encodeHave(rng.int(100)));
    else if (k === 1) parts.push(encodeRequest(rng.int(100), rng.int(1 << 20), 1 + rng.int(16384)));
    else if (k === 2) parts.push(concatBytes([encodePieceHeader(rng.int(100), 0, 100), rng.bytes(100)]));
    else if (k === 3) parts.push(encodeExtended(rng.int(5), rng.bytes(rng.int(50))));
    else parts.push(KEEP_ALIVE);
  }
  const stream = concatBytes(parts);
  const whole = collect({ pieceCount: 100 });
  whole.d.push(stream);
  const split = collect({ pieceCount: 100 });
  for (let o = 0; o < stream.length; ) {
    const n = 1 + rng.int(200);
    split.d.push(stream.slice(o, o + n));
    o += n;
  }
  assert.equal(whole.messages.length, 300);
  assert.deepEqual(split.messages, whole.messages);
});

test('volatile chunks: a reused read buffer, overwritten after each push, decodes the same messages', () => {
  const rng = new SeededRng(7);
  const block = new Uint8Array(16_384).map((_, i) => (i * 7) & 0xff);
  const stream = concatBytes([
    encodeHandshake(IH, PID, encodeReserved({ extended: true, fast: true })),
    encodeBitfield(Uint8Array.of(0xf0)),
    encodeExtended(1, utf8Encode('d1:md11:ut_metadatai3eee')),
    ...Array.from({ length: 6 }, (_, i) => concatBytes([encodePieceHeader(i % 4, 16_384 * i, block.length), block])),
    encodeHave(2),
    CHOKE,
  ]);
  for (let round = 0; round < 20; round++) {
    const expected = { messages: [] as WireMessage[], handshakes: [] as Handshake[] };
    const plain = new WireDecoder({ handshake: (h) => expected.handshakes.push(h), message: (m) => expected.messages.push(m) }, { pieceCount: 4 });
    plain.push(stream);
    const got: string[] = [];
    const kept: WireMessage[] = [];
    let handshake: Handshake | undefined;
    const snapshot = (m: WireMessage) =>
      JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v).join(',') : v])));
    const d = new WireDecoder(
      {
        handshake: (h) => (handshake = h),
        message: (m) => {
          got.push(snapshot(m)); // a piece block is read during the call
          kept.push(m);
        },
      },
      { pieceCount: 4, volatileChunks: true },
    );
    const reused = Buffer.alloc(40_000); // a Buffer, as node:net hands out (its slice() is a view)
    for (let at = 0; at < stream.length; ) {
      const n = Math.min(stream.length - at, 1 + rng.int(reused.length));
      reused.set(stream.subarray(at, at + n));
      d.push(reused.subarray(0, n));
      reused.fill(0xee);
      at += n;
    }
    assert.deepEqual(got, expected.messages.map(snapshot), `round ${round}`);
    // Everything but piece blocks is owned by the message and survives the buffer's reuse.
    const kinds = kept.filter((m) => m.type !== 'piece');
    assert.deepEqual(kinds.map(snapshot), expected.messages.filter((m) => m.type !== 'piece').map(snapshot));
    assert.deepEqual(handshake, expected.handshakes[0]);
  }
});
