/**
 * The WebSocket relay without a network: sockets are inboxes, messages are the JSON the
 * `bittorrent-tracker` client sends (decoded by the real codec), time is virtual.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { decodeWsMessage, type WsAnnounceMessage } from '../../codecs/tracker/ws.js';
import { TrackerCore } from './core.js';
import { MemorySwarmStore } from './memory-store.js';
import { OFFER_LIFETIME_MS, WsRelay } from './ws-relay.js';

interface Sock {
  name: string;
  inbox: Record<string, unknown>[];
}

const IH = 'i'.repeat(20);
const offerId = (peerId: string, k: number) => `${peerId.slice(0, 12)}-o${k}`.padEnd(20, '.');

function setup(opts: { privateMode?: boolean } = {}) {
  const clock = new VirtualClock();
  const rng = new SeededRng(7);
  const core = new TrackerCore({ store: new MemorySwarmStore({ rng }), clock, rng }, { intervalS: 30, ...opts });
  const relay = new WsRelay<Sock>({ core, clock, rng, send: (s, text) => s.inbox.push(JSON.parse(text) as Record<string, unknown>) });
  const sock = (name: string): Sock => {
    const s = { name, inbox: [] };
    relay.attach(s);
    return s;
  };
  const msg = (o: Record<string, unknown>) => decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: IH, ...o })) as WsAnnounceMessage;
  /** An announce as the client sends it, with `n` offers. */
  const announce = (s: Sock, peerId: string, left: number | null, n: number, event?: string) => {
    const offers = Array.from({ length: n }, (_, k) => ({ offer: { type: 'offer', sdp: `sdp ${peerId} ${k}` }, offer_id: offerId(peerId, k) }));
    relay.announce(s, msg({ peer_id: peerId, left, numwant: n, offers, uploaded: 0, downloaded: 0, event }));
  };
  const answer = (s: Sock, peerId: string, offer: Record<string, unknown>) =>
    relay.announce(s, msg({ peer_id: peerId, to_peer_id: offer.peer_id, offer_id: offer.offer_id, answer: { type: 'answer', sdp: `answer from ${peerId}` } }));
  const offersIn = (s: Sock) => s.inbox.filter((m) => m.offer !== undefined);
  const take = (s: Sock) => s.inbox.splice(0);
  return { clock, core, relay, sock, announce, answer, offersIn, take };
}

const A = 'A'.repeat(20);
const B = 'B'.repeat(20);
const C = 'C'.repeat(20);

test('an offer reaches one other peer with its offer_id and the offerer id; the answer goes back with the same offer_id', () => {
  const { sock, announce, answer, offersIn, take } = setup();
  const a = sock('a');
  const b = sock('b');
  announce(a, A, 0, 5);
  assert.deepEqual(take(a), [{ action: 'announce', interval: 30, info_hash: IH, complete: 1, incomplete: 0 }], 'alone: a reply, no offers anywhere');
  announce(b, B, null, 5);
  assert.deepEqual(take(b), [{ action: 'announce', interval: 30, info_hash: IH, complete: 1, incomplete: 1 }]);
  const [offer] = take(a);
  assert.deepEqual(offer, { action: 'announce', offer: { type: 'offer', sdp: `sdp ${B} 0` }, offer_id: offerId(B, 0), peer_id: B, info_hash: IH });
  answer(a, A, offer);
  assert.equal(a.inbox.length, 0, 'no announce reply to an answer');
  assert.deepEqual(take(b), [{ action: 'announce', answer: { type: 'answer', sdp: `answer from ${A}` }, offer_id: offer.offer_id, peer_id: A, info_hash: IH }]);
  assert.equal(offersIn(a).length, 0);
});

test('glare: while an offer between two peers is unanswered, no offer crosses between them in either direction', () => {
  const { sock, announce, answer, offersIn, take } = setup();
  const a = sock('a');
  const b = sock('b');
  announce(a, A, 0, 5); // the seeder, first
  announce(b, B, null, 5); // the leecher's offer goes to the seeder
  take(b);
  const [fromB] = offersIn(a);
  take(a);
  assert.equal(fromB.peer_id, B);
  // The seeder re-announces (its interval) before its answer is ready: the leecher must not get an
  // offer from it, or each side would keep the other handshake's half (WebTorrent drops duplicates).
  announce(a, A, 0, 5);
  assert.deepEqual(offersIn(b), [], 'no cross offer while B waits for A');
  announce(b, B, null, 5);
  assert.deepEqual(offersIn(a), [], 'no second offer from B to A either');
  take(a);
  take(b);
  // The answer completes the exchange; from then on offers flow again (WebTorrent drops them as
  // duplicates of the live connection, or uses them if that connection died).
  answer(a, A, fromB);
  assert.equal(take(b)[0].answer !== undefined, true);
  announce(a, A, 0, 5);
  assert.equal(offersIn(b).length, 1, 'after the answer, A may offer to B again');
});

test('glare: offers go to a third peer while a pair is busy, and an unanswered pair is free after the offer lifetime', () => {
  const { clock, sock, announce, offersIn, take } = setup();
  const a = sock('a');
  const b = sock('b');
  const c = sock('c');
  announce(a, A, null, 1);
  announce(b, B, null, 1); // B -> A
  assert.equal(offersIn(a).length, 1);
  take(a);
  take(b);
  announce(c, C, null, 0);
  announce(a, A, null, 5); // A's offers: not to B (busy), only to C
  assert.deepEqual(offersIn(b), []);
  assert.equal(offersIn(c).length, 1);
  take(b);
  clock.advance(OFFER_LIFETIME_MS - 1);
  announce(b, B, null, 5); // B: A still busy with B, C busy with A? no: C is free for B
  assert.deepEqual(offersIn(a), []);
  take(c);
  clock.advance(1);
  announce(b, B, null, 5);
  assert.equal(offersIn(a).length, 1, 'the unanswered offer has expired: A and B may try again');
});

test('offers: never to the offerer, never seeder to seeder, at most one per peer, as many as offered', () => {
  const { sock, announce, offersIn, take, relay } = setup();
  const seeders = [sock('s1'), sock('s2')];
  const leechers = [sock('l1'), sock('l2'), sock('l3')];
  seeders.forEach((s, i) => announce(s, `S${i}`.padEnd(20, 's'), 0, 0));
  leechers.forEach((s, i) => announce(s, `L${i}`.padEnd(20, 'l'), 100, 0));
  for (const s of [...seeders, ...leechers]) take(s);
  const me = seeders[0];
  announce(me, 'S0'.padEnd(20, 's'), 0, 2);
  assert.equal(offersIn(me).length, 0, 'not to itself');
  assert.equal(offersIn(seeders[1]).length, 0, 'not to another seeder');
  assert.equal(leechers.reduce((n, l) => n + offersIn(l).length, 0), 2, 'two offers, two leechers');
  assert.ok(leechers.every((l) => offersIn(l).length <= 1));
  const lone = sock('l4');
  announce(lone, 'L4'.padEnd(20, 'l'), 100, 10);
  assert.equal([...seeders, ...leechers].reduce((n, s) => n + offersIn(s).length, 0), 2 + 5, 'five other peers, five offers of ten');
  assert.equal(relay.swarmSize(new TextEncoder().encode(IH)), 6);
});

test('an answer does not change the seeder flag and survives the offerer re-announcing', () => {
  const { sock, announce, answer, take, offersIn } = setup();
  const a = sock('a');
  const b = sock('b');
  announce(a, A, 0, 0);
  announce(b, B, null, 1);
  const [offer] = offersIn(a);
  take(a);
  take(b);
  announce(b, B, null, 0); // the offerer re-announces before the answer comes
  take(b);
  answer(a, A, offer); // the answer has no `left`: A must stay a seeder
  assert.equal(take(b)[0].offer_id, offer.offer_id);
  announce(b, B, null, 0);
  assert.deepEqual(take(b), [{ action: 'announce', interval: 30, info_hash: IH, complete: 1, incomplete: 1 }]);
});

test('peers leave on close and on stopped; answers from strangers or to gone peers are dropped and counted', async () => {
  const { sock, announce, answer, take, relay, core, offersIn } = setup();
  const a = sock('a');
  const b = sock('b');
  const c = sock('c');
  announce(a, A, null, 0);
  announce(b, B, null, 1);
  const [offer] = offersIn(a);
  take(a);
  answer(c, C, offer); // c never announced
  assert.equal(offersIn(b).length + take(b).filter((m) => m.answer).length, 0);
  relay.detach(b);
  answer(a, A, offer); // the offerer is gone
  announce(c, C, null, 5);
  assert.equal(take(c).length, 1, 'only the reply');
  assert.equal(offersIn(a).length, 1, 'the one peer left gets an offer');
  announce(c, C, null, 0, 'stopped');
  assert.deepEqual(take(c), [{ action: 'announce', interval: 30, info_hash: IH, complete: 0, incomplete: 1 }]);
  assert.equal(relay.swarmSize(new TextEncoder().encode(IH)), 1);
  relay.detach(a);
  assert.equal(relay.swarmSize(new TextEncoder().encode(IH)), 0);
  const { stats } = await core.snapshot();
  assert.equal(stats.errors.BT_ERR_TRACKER_WS_UNKNOWN_PEER, 2);
});

test('a peer id that reconnects on a new socket is reached there, and closing the old socket does not remove it', () => {
  const { sock, announce, take, relay, offersIn } = setup();
  const a1 = sock('a1');
  const a2 = sock('a2');
  const b = sock('b');
  announce(a1, A, null, 0);
  announce(a2, A, null, 0);
  relay.detach(a1);
  announce(b, B, null, 1);
  take(b);
  assert.equal(offersIn(a1).length, 0);
  assert.equal(offersIn(a2).length, 1);
});

test('private mode: an unknown info hash gets a failure and joins nothing', async () => {
  const { sock, relay, take, core } = setup({ privateMode: true });
  const a = sock('a');
  relay.announce(a, decodeWsMessage(JSON.stringify({ action: 'announce', info_hash: IH, peer_id: A })) as WsAnnounceMessage);
  assert.equal(take(a)[0]['failure reason'], 'torrent not registered with this tracker');
  assert.equal(relay.swarmSize(new TextEncoder().encode(IH)), 0);
  assert.equal((await core.snapshot()).stats.errors.BT_ERR_TRACKER_NOT_ALLOWED, 1);
});
