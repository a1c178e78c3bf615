/**
 * Seeded fuzzing of the KRPC decoder: random and mutated datagrams only ever give a message or a
 * KrpcDecodeError, and whatever decodes re-encodes to something that decodes to the same message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { decodeKrpc, encodeKrpc, KrpcDecodeError, type KrpcMessage } from './index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 4242);

function sample(rng: SeededRng): KrpcMessage {
  const id = rng.bytes(20);
  const t = rng.bytes(1 + rng.int(4));
  const node = () => ({ id: rng.bytes(20), address: `${rng.int(256)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`, port: rng.int(65536) });
  const node6 = () => ({ id: rng.bytes(20), address: `2001:db8::${rng.int(65536).toString(16)}`, port: rng.int(65536) });
  switch (rng.int(6)) {
    case 0:
      return { y: 'q', t, q: 'ping', id };
    case 1:
      return { y: 'q', t, q: 'find_node', id, target: rng.bytes(20), want: ['n4', 'n6'] };
    case 2:
      return { y: 'q', t, q: 'get_peers', id, infoHash: rng.bytes(20) };
    case 3:
      return { y: 'q', t, q: 'announce_peer', id, infoHash: rng.bytes(20), port: 1 + rng.int(65535), token: rng.bytes(8), impliedPort: rng.int(2) === 1 };
    case 4:
      return {
        y: 'r',
        t,
        id,
        token: rng.bytes(4),
        nodes: Array.from({ length: rng.int(9) }, node),
        nodes6: Array.from({ length: rng.int(3) }, node6),
        values: Array.from({ length: rng.int(10) }, () => ({ address: `10.0.${rng.int(256)}.${rng.int(256)}`, port: rng.int(65536) })),
      };
    default:
      return { y: 'e', t, number: 201 + rng.int(4), message: 'error' };
  }
}

test(`KRPC messages survive mutation without untyped errors (seed ${SEED})`, () => {
  const rng = new SeededRng(SEED);
  let decoded = 0;
  let rejected = 0;
  for (let i = 0; i < 4000; i++) {
    const bytes = encodeKrpc(sample(rng));
    assert.deepEqual(encodeKrpc(decodeKrpc(bytes)), bytes, `round trip ${i}`);
    const mutated = bytes.slice(0, rng.int(3) === 0 ? rng.int(bytes.length + 1) : bytes.length);
    const flips = 1 + rng.int(4);
    for (let f = 0; f < flips && mutated.length > 0; f++) mutated[rng.int(mutated.length)] = rng.int(256);
    try {
      const msg = decodeKrpc(mutated);
      const again = encodeKrpc(msg);
      assert.deepEqual(decodeKrpc(again), msg);
      decoded++;
    } catch (err) {
      if (!(err instanceof KrpcDecodeError)) throw new Error(`seed ${SEED} case ${i}: untyped ${String(err)}`);
      rejected++;
    }
  }
  assert.ok(decoded > 100 && rejected > 100, `both paths exercised (${decoded} decoded, ${rejected} rejected)`);
});

test(`random bytes never escape as untyped errors (seed ${SEED})`, () => {
  const rng = new SeededRng(SEED + 1);
  for (let i = 0; i < 3000; i++) {
    const b = rng.bytes(rng.int(300));
    if (rng.int(2) === 0 && b.length > 0) b[0] = 0x64; // 'd'
    try {
      decodeKrpc(b);
    } catch (err) {
      assert.ok(err instanceof KrpcDecodeError, `seed ${SEED} case ${i}`);
    }
  }
});
