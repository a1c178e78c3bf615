/**
 * Fuzz: random and mutated wire streams, extension handshakes, ut_metadata and ut_pex payloads
 * only ever decode or fail with a WireError, and the decoder never buffers more than it received.
 * Seeded (FUZZ_SEED) so any failure replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { encode } from '../bencode/index.js';
import { concatBytes } from '../../util/bytes.js';
import {
  decodeExtensionHandshake,
  decodeMetadataMessage,
  decodePexMessage,
  encodeBitfield,
  encodeExtended,
  encodeHandshake,
  encodeHave,
  encodePiece,
  encodeRequest,
  encodeExtensionHandshake,
  encodeMetadataMessage,
  encodePexMessage,
  KEEP_ALIVE,
  UNCHOKE,
  WireDecoder,
  WireError,
} from './index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 7);

function mutate(rng: SeededRng, input: Uint8Array): Uint8Array {
  let out: Uint8Array = input.slice();
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits && out.length > 0; e++) {
    const at = rng.int(out.length);
    const op = rng.int(4);
    if (op === 0) out[at] = rng.int(256);
    else if (op === 1) out[at] = [0, 0xff, 0x7f, 0x80][rng.int(4)];
    else if (op === 2) out = out.subarray(0, at);
    else out = concatBytes([out.subarray(0, at), rng.bytes(1 + rng.int(8)), out.subarray(at)]);
  }
  return out;
}

function validStream(rng: SeededRng): Uint8Array {
  const parts = [encodeHandshake(rng.bytes(20), rng.bytes(20), { fast: true, extended: true })];
  for (let i = 0, n = rng.int(10); i < n; i++) {
    const k = rng.int(7);
    if (k === 0) parts.push(encodeHave(rng.int(16)));
    else if (k === 1) parts.push(encodeBitfield(Uint8Array.of(rng.int(256), rng.int(256) & 0xf0)));
    else if (k === 2) parts.push(encodeRequest(rng.int(16), rng.int(1 << 20), 1 + rng.int(16384)));
    else if (k === 3) parts.push(encodePiece(rng.int(16), 0, rng.bytes(rng.int(16))));
    else if (k === 4) parts.push(encodeExtended(rng.int(3), encodeExtensionHandshake({ m: { ut_metadata: 1 }, v: 'x' })));
    else if (k === 5) parts.push(UNCHOKE);
    else parts.push(KEEP_ALIVE);
  }
  return concatBytes(parts);
}

test(`wire decoder: mutated and random streams only yield messages or WireError (seed ${SEED})`, () => {
  const rng = new SeededRng(SEED);
  let errors = 0;
  let messages = 0;
  for (let i = 0; i < 5000; i++) {
    const input = i % 3 === 0 ? rng.bytes(rng.int(200)) : mutate(rng, validStream(rng));
    const opts = i % 3 === 2 ? { handshake: false } : { pieceCount: 16 };
    const d = new WireDecoder({ message: () => messages++ }, { ...opts, maxMessageLength: 4096 });
    try {
      // split at random points to exercise buffering
      for (let o = 0; o < input.length; ) {
        const n = 1 + rng.int(40);
        d.push(input.subarray(o, o + n));
        o += n;
        assert.ok(d.bufferedBytes <= o, 'never buffers more than it received');
        assert.ok(d.bufferedBytes <= 4096 + 4, 'never buffers past the message limit');
      }
    } catch (err) {
      if (!(err instanceof WireError)) throw new Error(`seed ${SEED} case ${i}: ${String(err)}`, { cause: err });
      errors++;
    }
  }
  assert.ok(errors > 500, `errors: ${errors}`);
  assert.ok(messages > 1000, `messages: ${messages}`);
});

test(`extension payloads: mutated input only yields values or WireError (seed ${SEED})`, () => {
  const rng = new SeededRng(SEED + 1);
  const bases = [
    encodeExtensionHandshake({ m: { ut_metadata: 3, ut_pex: 1 }, v: 'x', p: 1, reqq: 5, yourip: Uint8Array.of(1, 2, 3, 4), metadataSize: 100 }),
    encodeMetadataMessage({ type: 'data', piece: 0, totalSize: 20, data: new Uint8Array(20) }),
    encodeMetadataMessage({ type: 'request', piece: 2 }),
    encodePexMessage({ added: [{ host: '1.2.3.4', port: 5, flags: 2 }, { host: '::1', port: 6, flags: 0 }], dropped: [{ host: '5.6.7.8', port: 9 }] }),
    encode({ added: new Uint8Array(6 * 30), dropped6: new Uint8Array(18 * 2) }),
  ];
  const decoders = [
    (b: Uint8Array) => decodeExtensionHandshake(b),
    (b: Uint8Array) => decodeMetadataMessage(b),
    (b: Uint8Array) => decodePexMessage(b),
  ];
  let errors = 0;
  for (let i = 0; i < 6000; i++) {
    const input = i % 5 === 0 ? rng.bytes(rng.int(60)) : mutate(rng, bases[rng.int(bases.length)]);
    for (const dec of decoders) {
      try {
        dec(input);
      } catch (err) {
        if (!(err instanceof WireError)) throw new Error(`seed ${SEED} case ${i}: ${String(err)}`, { cause: err });
        errors++;
      }
    }
  }
  assert.ok(errors > 1000);
});
