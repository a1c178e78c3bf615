/**
 * The Announcer against a scripted HTTP tracker on a virtual clock: events started, completed and
 * stopped; re-announces at the tracker's interval, never before its min interval; the tracker id
 * sent back; numwant, key and port in every announce; each tier shuffled (BEP 12).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { encodeAnnounceResponse, encodeFailure } from '../../codecs/tracker/response.js';
import type { HttpGet } from '../../ports/http-client.js';
import { Announcer } from './announcer.js';

const flush = () => new Promise((r) => setImmediate(r));

function tracker(answer: (url: URL) => Uint8Array): HttpGet & { urls: URL[] } {
  const urls: URL[] = [];
  return {
    urls,
    async get(url) {
      const u = new URL(url);
      urls.push(u);
      return { status: 200, body: answer(u) };
    },
  };
}

const ok = () =>
  encodeAnnounceResponse({ interval: 100, minInterval: 50, trackerId: 'TID', complete: 1, incomplete: 2, compact: true, peers: [{ ip: '127.0.0.9', port: 9 }] });

test('started, regular announces at the interval with the tracker id, completed, stopped', async () => {
  const clock = new VirtualClock();
  const http = tracker(ok);
  let left = 1000;
  const a = new Announcer(
    { clock, rng: new SeededRng(1), http, datagrams: undefined as never },
    { infoHash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2), port: 6881, tiers: [['http://t/announce']], stats: () => ({ downloaded: 1000 - left, uploaded: 5, left }), numwant: 30 },
  );
  const peers: string[] = [];
  a.on('peers', (e) => peers.push(...e.peers.map((p) => `${p.ip}:${p.port}`)));
  const first = await a.start();
  assert.equal(first.interval, 100);
  assert.deepEqual(peers, ['127.0.0.9:9']);
  const q = (i: number) => http.urls[i].searchParams;
  assert.equal(q(0).get('event'), 'started');
  assert.equal(q(0).get('numwant'), '30');
  assert.equal(q(0).get('port'), '6881');
  assert.equal(q(0).get('left'), '1000');
  assert.equal(q(0).get('trackerid'), null);
  const key = q(0).get('key');
  assert.ok(key);
  // An extra announce before min interval (50 s) is not sent.
  clock.advance(10_000);
  await a.requestPeers();
  assert.equal(http.urls.length, 1);
  // The interval (100 s) brings the next one, with the tracker id and the same key.
  clock.advance(89_999);
  await flush();
  assert.equal(http.urls.length, 1, 'not before the interval');
  clock.advance(1);
  await flush();
  assert.equal(http.urls.length, 2);
  assert.equal(q(1).get('event'), null);
  assert.equal(q(1).get('trackerid'), 'TID');
  assert.equal(q(1).get('key'), key);
  left = 0;
  await a.complete();
  assert.equal(q(2).get('event'), 'completed');
  assert.equal(q(2).get('left'), '0');
  assert.equal(q(2).get('downloaded'), '1000');
  await a.stop();
  assert.equal(q(3).get('event'), 'stopped');
  assert.equal(q(3).get('numwant'), '0');
  // Stopped: no more announces.
  clock.advance(1_000_000);
  await flush();
  assert.equal(http.urls.length, 4);
});

test('every tracker failing: an error, then retries with back-off', async () => {
  const clock = new VirtualClock();
  const http = tracker(() => encodeFailure('go away'));
  const a = new Announcer(
    { clock, rng: new SeededRng(1), http, datagrams: undefined as never },
    { infoHash: new Uint8Array(20), peerId: new Uint8Array(20), port: 1, tiers: [['http://a/announce']], stats: () => ({ downloaded: 0, uploaded: 0, left: 1 }), retryMs: 1000 },
  );
  const errors: string[] = [];
  a.on('error', (e) => errors.push(e.error.message));
  await assert.rejects(a.start());
  assert.equal(errors.length, 1);
  for (const [wait, count] of [
    [1000, 2],
    [2000, 3],
    [4000, 4],
  ]) {
    clock.advance(wait - 1);
    await flush();
    assert.equal(http.urls.length, count - 1, `not before ${wait} ms`);
    clock.advance(1);
    await flush();
    await flush();
    assert.equal(http.urls.length, count, `retry after ${wait} ms`);
  }
  a.close();
});

test('each tier is shuffled once (BEP 12): the order differs between sessions', () => {
  const urls = ['http://a/x', 'http://b/x', 'http://c/x', 'http://d/x', 'http://e/x'];
  const orders = new Set<string>();
  for (let seed = 1; seed <= 12; seed++) {
    const a = new Announcer(
      { clock: new VirtualClock(), rng: new SeededRng(seed), http: tracker(ok), datagrams: undefined as never },
      { infoHash: new Uint8Array(20), peerId: new Uint8Array(20), port: 1, tiers: [urls, ['http://z/x']], stats: () => ({ downloaded: 0, uploaded: 0, left: 0 }) },
    );
    const [first, second] = a.order();
    assert.deepEqual([...first].sort(), urls, 'same trackers');
    assert.deepEqual(second, ['http://z/x'], 'tiers keep their order');
    orders.add(first.join(' '));
    a.close();
  }
  assert.ok(orders.size >= 4, `${orders.size} distinct orders in 12 sessions`);
});
