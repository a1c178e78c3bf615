import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerList } from './peer-list.js';

test('candidates: new before failed, manual before discovered, backoff respected', () => {
  const l = new PeerList({ retryBaseMs: 1000 });
  l.add('127.0.0.2', 1, 'dht');
  l.add('127.0.0.3', 1, 'manual');
  l.add('127.0.0.4', 1, 'tracker');
  assert.deepEqual(l.candidates(3, 0).map((p) => p.host), ['127.0.0.3', '127.0.0.4', '127.0.0.2']);
  l.connecting('127.0.0.3:1');
  l.disconnected('127.0.0.3:1', 0, true);
  assert.deepEqual(l.candidates(3, 0).map((p) => p.host), ['127.0.0.4', '127.0.0.2']);
  assert.deepEqual(l.candidates(3, 1000).map((p) => p.host), ['127.0.0.4', '127.0.0.2', '127.0.0.3']);
  l.disconnected('127.0.0.3:1', 1000, true);
  assert.equal(l.get('127.0.0.3:1')!.retryAt, 3000);
});

test('bans, invalid ports, bounded size', () => {
  const l = new PeerList({ maxPeers: 3 });
  assert.equal(l.add('h', 0, 'pex'), false);
  assert.equal(l.add('h', 70000, 'pex'), false);
  l.add('a', 1, 'manual');
  l.add('b', 1, 'pex');
  l.add('b', 2, 'pex');
  l.banHost('b');
  assert.ok(l.isBanned('b', 2));
  assert.deepEqual(l.candidates(5, 0).map((p) => p.key), ['a:1']);
  l.add('c', 1, 'dht');
  assert.equal(l.size, 3);
  assert.ok(l.get('a:1'), 'manual peers are never evicted');
  assert.equal(l.add('::1', 5, 'dht') || l.get('[::1]:5') !== undefined, true);
});

test('retryNow: addresses we closed are candidates again at once; failed ones keep their backoff', () => {
  const l = new PeerList({ retryBaseMs: 10_000 });
  l.add('127.0.0.2', 1, 'tracker');
  l.add('127.0.0.3', 1, 'tracker');
  for (const k of ['127.0.0.2:1', '127.0.0.3:1']) l.connecting(k);
  l.disconnected('127.0.0.2:1', 0, false);
  l.disconnected('127.0.0.3:1', 0, true);
  assert.deepEqual(l.candidates(5, 1).map((p) => p.host), []);
  l.retryNow();
  assert.deepEqual(l.candidates(5, 1).map((p) => p.host), ['127.0.0.2']);
  assert.deepEqual(l.candidates(5, 10_000).map((p) => p.host).sort(), ['127.0.0.2', '127.0.0.3']);
});
