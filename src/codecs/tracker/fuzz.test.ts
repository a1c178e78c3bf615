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
  DEFAULT_TRACKER_LIMITS,
  parseAmount,
  parseAnnounceQuery,
  parseByteCount,
  parseQueryString,
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

/** parseAnnounceQuery as the plain reading of the parameter map (the one-pass parser must agree). */
function announceByMap(query: string): unknown {
  const p = parseQueryString(query);
  const one = (k: string) => p.get(k)?.[0];
  const id = (k: string, code: string) => {
    const v = one(k);
    if (v === undefined || v.length !== 20) throw new TrackerError(code as never, k);
    return Uint8Array.from(v, (c) => c.charCodeAt(0));
  };
  const infoHash = id('info_hash', 'BT_ERR_TRACKER_BAD_INFO_HASH');
  const peerId = id('peer_id', 'BT_ERR_TRACKER_BAD_PEER_ID');
  const port = parseAmount(one('port'), 'port', 65535);
  if (port === undefined) throw new TrackerError('BT_ERR_TRACKER_BAD_PORT' as never, 'port');
  const event = one('event') ?? '';
  if (!['started', 'completed', 'stopped', 'paused', 'empty', ''].includes(event)) throw new TrackerError('BT_ERR_TRACKER_BAD_EVENT' as never, 'event');
  const nw = one('numwant');
  const numwant = nw !== undefined && /^-[0-9]{1,10}$/.test(nw) ? undefined : parseAmount(nw, 'numwant');
  return {
    infoHash,
    peerId,
    port,
    uploaded: parseByteCount(one('uploaded'), 'uploaded') ?? 0,
    downloaded: parseByteCount(one('downloaded'), 'downloaded') ?? 0,
    left: parseByteCount(one('left'), 'left') ?? 0,
    event: event === 'empty' || event === '' ? undefined : event,
    numwant: numwant === undefined ? undefined : Math.min(numwant, DEFAULT_TRACKER_LIMITS.maxNumwant),
    compact: one('compact') !== '0',
    noPeerId: one('no_peer_id') === '1',
    ip: one('ip'),
    key: one('key'),
    trackerId: one('trackerid'),
  };
}

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof TrackerError)) throw err;
    return err.code;
  }
}

test(`the one-pass announce parser agrees with the parameter map on valid and mutated queries (seed ${SEED})`, () => {
  const r = new SeededRng(SEED + 2);
  let valid = 0;
  for (let i = 0; i < 5000; i++) {
    const base = buildAnnounceQuery({
      infoHash: r.bytes(20),
      peerId: r.bytes(20),
      port: r.int(70000),
      uploaded: r.int(1000),
      downloaded: r.int(1000),
      left: r.int(3),
      event: (['started', 'completed', 'stopped', undefined] as const)[r.int(4)],
      numwant: r.int(300),
      compact: r.int(2) === 0,
      noPeerId: r.int(2) === 0,
      key: r.int(2) === 0 ? 'k%41+' : undefined,
      trackerId: r.int(2) === 0 ? 'tid' : undefined,
    });
    // Keys spelled with escapes (the parser matches plain keys in place), long and signed numbers.
    const escaped = base.replace('port=', r.int(2) ? 'p%6Frt=' : 'port=%3').replace('info_hash=', 'info%5fhash=').replace('left=', r.int(2) ? 'left=1234567890123456&' : 'lef%74=');
    // Repeated parameters: the first value counts (a bad escape anywhere still fails the query).
    const repeated = `${base}&port=1&info_hash=x&numwant=-1&left=5${r.int(2) ? '&extra=%zz' : ''}`;
    const text = [base, repeated, escaped, String.fromCharCode(...mutate(r, new TextEncoder().encode(base)))][i % 4];
    const a = outcome(() => parseAnnounceQuery(text));
    assert.deepEqual(a, outcome(() => announceByMap(text)), text);
    if (typeof a === 'object') valid++;
  }
  assert.ok(valid > 1000, `${valid} valid queries compared`);
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
