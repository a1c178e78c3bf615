/**
 * Fuzz the Wire with a scripted peer: random mixes of valid, out-of-order and corrupted messages
 * must only ever leave the wire open or close it with a typed reason; nothing may throw out of
 * the data path. Seeded (FUZZ_SEED) on a virtual clock, so any failure replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryPair } from '../../adapters/testing/memory-stream.js';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { encode } from '../../codecs/bencode/index.js';
import { encodeExtended, encodeHandshake, encodeMessage, encodeMetadataMessage, type WireMessage } from '../../codecs/wire/index.js';
import { isTorrentkitError } from '../../util/errors.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import type { WireClose } from './events.js';
import { Wire } from './wire.js';

const SEED = Number(process.env.FUZZ_SEED ?? 11);

function randomMessage(rng: SeededRng): Uint8Array {
  const idx = () => rng.int(24);
  const len = () => [1, 100, 16384, 16385, 0][rng.int(5)];
  const choices: Array<() => WireMessage> = [
    () => ({ type: 'keepAlive' }),
    () => ({ type: 'choke' }),
    () => ({ type: 'unchoke' }),
    () => ({ type: 'interested' }),
    () => ({ type: 'notInterested' }),
    () => ({ type: 'have', index: idx() }),
    () => ({ type: 'bitfield', bytes: Uint8Array.of(rng.int(256), rng.int(256), rng.int(256) & 0xf0) }),
    () => ({ type: 'request', index: idx(), begin: rng.int(4) * 16384, length: len() }),
    () => ({ type: 'piece', index: idx(), begin: rng.int(4) * 16384, block: rng.bytes(rng.int(3) * 50) }),
    () => ({ type: 'cancel', index: idx(), begin: 0, length: len() }),
    () => ({ type: 'port', port: rng.int(65536) }),
    () => ({ type: 'suggest', index: idx() }),
    () => ({ type: 'haveAll' }),
    () => ({ type: 'haveNone' }),
    () => ({ type: 'reject', index: idx(), begin: 0, length: len() }),
    () => ({ type: 'allowedFast', index: idx() }),
    () => ({ type: 'extended', extId: 0, payload: encode({ m: { ut_metadata: rng.int(300) }, reqq: rng.int(1000), v: 'x' }) }),
    () => ({ type: 'extended', extId: rng.int(4), payload: encodeMetadataMessage({ type: 'request', piece: rng.int(3) }) }),
    () => ({ type: 'unknown', id: 21 + rng.int(200), payload: rng.bytes(rng.int(10)) }),
  ];
  const bytes = encodeMessage(choices[rng.int(choices.length)]());
  if (rng.int(10) === 0 && bytes.length > 0) {
    const copy = bytes.slice();
    copy[rng.int(copy.length)] = rng.int(256);
    return copy;
  }
  return bytes;
}

test(`wire fuzz: random peers only cause typed closes (seed ${SEED})`, () => {
  const rng = new SeededRng(SEED);
  const reasons = new Map<string, number>();
  for (let round = 0; round < 400; round++) {
    const clock = new VirtualClock();
    const [ours, theirs] = createMemoryPair({ clock });
    const wire = new Wire(ours, { clock }, {
      direction: 'outgoing',
      peerId: new Uint8Array(20).fill(1) as PeerId,
      infoHash: new Uint8Array(20).fill(2) as InfoHash,
      pieceCount: round % 3 === 0 ? undefined : 20,
    });
    wire.use(() => ({ name: 'ut_metadata', onMessage() {} }));
    const closes: WireClose[] = [];
    wire.on('close', (c) => closes.push(c));
    // The engine side reacts to the peer, so its code paths run too.
    wire.on('request', (r) => (rng.int(2) ? wire.piece(r.index, r.begin, new Uint8Array(r.length)) : wire.reject(r.index, r.begin, r.length)));
    wire.on('unchoke', () => wire.request(rng.int(20), 0, 16384));
    wire.on('interested', () => (rng.int(2) ? wire.unchoke() : wire.choke()));
    wire.start();
    theirs.write(encodeHandshake(new Uint8Array(20).fill(2), new Uint8Array(20).fill(3), { fast: rng.int(2) === 1, extended: rng.int(2) === 1 }));
    for (let i = 0, n = 1 + rng.int(40); i < n; i++) {
      theirs.write(randomMessage(rng));
      if (rng.int(4) === 0) clock.advance(rng.int(200_000));
    }
    if (round % 3 === 0) {
      clock.advance(0);
      wire.setPieceCount(20);
    }
    clock.advance(400_000);
    assert.equal(closes.length, 1, `round ${round}: closed once (idle timeout at the latest)`);
    const c = closes[0];
    if (c.reason === 'protocol_violation') assert.ok(isTorrentkitError(c.error), `round ${round}: typed error`);
    const key = c.reason === 'protocol_violation' ? (c.error as { code: string }).code : c.reason;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  // The mix must reach both ends: clean runs (idle timeout) and many kinds of violation.
  assert.ok((reasons.get('idle_timeout') ?? 0) > 0, JSON.stringify([...reasons]));
  assert.ok(reasons.size >= 6, JSON.stringify([...reasons]));
});

test('extended message for an id we never assigned is surfaced, not fatal', () => {
  const clock = new VirtualClock();
  const [ours, theirs] = createMemoryPair({ clock });
  const wire = new Wire(ours, { clock }, { direction: 'outgoing', peerId: new Uint8Array(20) as PeerId, infoHash: new Uint8Array(20) as InfoHash });
  const seen: number[] = [];
  wire.on('extended', (m) => seen.push(m.id));
  wire.start();
  theirs.write(encodeHandshake(new Uint8Array(20), new Uint8Array(20).fill(9), { extended: true }));
  theirs.write(encodeExtended(7, Uint8Array.of(1)));
  clock.advance(0);
  assert.deepEqual(seen, [7]);
  assert.equal(wire.closed, false);
});
