/**
 * Fuzzing the tracker request and response parsers: random and mutated input only ever yields a
 * value or a TrackerError, never another exception. Seeded; set FUZZ_SEED to replay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import {
  buildAnnounceQuery,
  decodeAnnounceResponse,
  decodeScrapeResponse,
  decodeUdpRequest,
  decodeUdpResponse,
  decodeWsMessage,
  encodeAnnounceResponse,
  encodeUdpAnnounceRequest,
  parseAnnounceQuery,
  parseScrapeQuery,
  TrackerError,
} from './index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 4242);

function mutate(r: SeededRng, input: Uint8Array): Uint8Array {
  let b = input.slice();
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const op = r.int(4);
    const at = r.int(b.length + 1);
    if (op === 0 && b.length > 0) b[Math.min(at, b.length - 1)] = r.int(256);
    else if (op === 1) b = b.subarray(0, at);
    else if (op === 2) b = Uint8Array.from([...b.subarray(0, at), ...r.bytes(r.int(8)), ...b.subarray(at)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
  }
  return b;
}

function onlyTrackerErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof TrackerError)) throw err;
  }
}

test(`HTTP query parsers take any input (seed ${SEED})`, () => {
  const r = new SeededRng(SEED);
  const base = new TextEncoder().encode(
    buildAnnounceQuery({ infoHash: r.bytes(20), peerId: r.bytes(20), port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 3 }),
  );
  const alphabet = '%&=+0123456789abcdefAF-_.~?\u00ff';
  for (let i = 0; i < 20000; i++) {
    const text =
      i % 2 === 0
        ? String.fromCharCode(...mutate(r, base))
        : Array.from({ length: r.int(120) }, () => alphabet[r.int(alphabet.length)]).join('');
    onlyTrackerErrors(() => parseAnnounceQuery(text));
    onlyTrackerErrors(() => parseScrapeQuery(text));
  }
});

test(`response, UDP and WebSocket parsers take any input (seed ${SEED})`, () => {
  const r = new SeededRng(SEED + 1);
  const resp = encodeAnnounceResponse({ interval: 10, complete: 1, incomplete: 2, compact: false, peers: [{ ip: '1.2.3.4', port: 5, peerId: r.bytes(20) }] });
  const udp = encodeUdpAnnounceRequest({ connectionId: r.bytes(8), transactionId: 1, infoHash: r.bytes(20), peerId: r.bytes(20), downloaded: 1, left: 2, uploaded: 3, event: undefined, key: 1, numwant: 5, port: 9 });
  const ws = new TextEncoder().encode(JSON.stringify({ action: 'announce', info_hash: 'a'.repeat(20), peer_id: 'b'.repeat(20), offers: [{ offer: { type: 'offer', sdp: 'x' }, offer_id: 'c'.repeat(20) }] }));
  let decoded = 0;
  for (let i = 0; i < 20000; i++) {
    const a = mutate(r, resp);
    onlyTrackerErrors(() => decodeAnnounceResponse(a));
    onlyTrackerErrors(() => decodeScrapeResponse(a));
    const u = mutate(r, udp);
    onlyTrackerErrors(() => {
      decodeUdpRequest(u);
      decoded++;
    });
    onlyTrackerErrors(() => decodeUdpResponse(u, i % 2 === 0));
    onlyTrackerErrors(() => decodeWsMessage(new TextDecoder().decode(mutate(r, ws))));
  }
  assert.ok(decoded > 0, 'some mutated UDP packets still decode');
});
