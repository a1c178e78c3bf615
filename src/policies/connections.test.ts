import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLimits, ConnectionSet, isSelfConnection, keepOnDuplicate, normalizeHost } from './connections.js';

const id = (b: number) => new Uint8Array(20).fill(b);

test('limits: global and per torrent, reservations released', () => {
  const l = new ConnectionLimits({ maxGlobal: 3, maxPerTorrent: 2 });
  assert.equal(l.reserve('a'), true);
  assert.equal(l.reserve('a'), true);
  assert.equal(l.reserve('a'), false, 'per-torrent limit');
  assert.equal(l.available('a'), 0);
  assert.equal(l.reserve('b'), true);
  assert.equal(l.reserve('c'), false, 'global limit');
  assert.equal(l.count(), 3);
  l.release('a');
  assert.equal(l.canOpen('c'), true);
  assert.equal(l.available('b'), 1);
  l.release('zzz');
  assert.equal(l.count(), 2);
  assert.equal(l.count('a'), 1);
});

test('limits: a torrent of its own limit (AddOptions.maxPeers) below the per-torrent one', () => {
  const l = new ConnectionLimits({ maxGlobal: 10, maxPerTorrent: 4 });
  l.setTorrentLimit('a', 1);
  l.setTorrentLimit('b', 9);
  assert.equal(l.reserve('a'), true);
  assert.equal(l.reserve('a'), false, 'its own limit');
  assert.equal(l.available('a'), 0);
  assert.equal(l.limitOf('b'), 4, 'never above the per-torrent limit');
  l.setTorrentLimit('a', undefined);
  assert.equal(l.available('a'), 3);
});

test('self connection is recognised by peer id', () => {
  assert.equal(isSelfConnection(id(1), id(1)), true);
  assert.equal(isSelfConnection(id(1), id(2)), false);
  const set = new ConnectionSet<string>(id(1));
  assert.deepEqual(set.admit({ handle: 'x', peerId: id(1), host: '127.0.0.1', port: 1, direction: 'outgoing' }), { ok: false, reason: 'self' });
  assert.equal(set.size, 0);
});

test('duplicates: both ends keep the same connection', () => {
  const low = id(1);
  const high = id(2);
  // The connection opened by the higher id (high -> low) survives on both sides.
  // On low's side, that connection is incoming; on high's side it is outgoing.
  assert.equal(keepOnDuplicate(low, high, 'outgoing', 'incoming'), 'candidate');
  assert.equal(keepOnDuplicate(low, high, 'incoming', 'outgoing'), 'existing');
  assert.equal(keepOnDuplicate(high, low, 'outgoing', 'incoming'), 'existing');
  assert.equal(keepOnDuplicate(high, low, 'incoming', 'outgoing'), 'candidate');
  assert.equal(keepOnDuplicate(high, low, 'incoming', 'incoming'), 'existing');

  const set = new ConnectionSet<string>(low);
  assert.deepEqual(set.admit({ handle: 'out', peerId: high, host: '10.0.0.2', port: 6881, direction: 'outgoing' }), { ok: true });
  assert.equal(set.hasAddress('10.0.0.2', 6881), true);
  assert.deepEqual(set.admit({ handle: 'in', peerId: high, host: '10.0.0.2', direction: 'incoming' }), { ok: true, replaced: 'out' });
  assert.equal(set.size, 1);
  assert.equal(set.hasAddress('10.0.0.2', 6881), false);
  set.setListenPort('in', 6881);
  assert.equal(set.hasAddress('::ffff:10.0.0.2', 6881), true);
  assert.deepEqual(set.admit({ handle: 'again', peerId: high, host: '10.0.0.2', port: 6881, direction: 'outgoing' }), { ok: false, reason: 'duplicate' });
  set.remove('in');
  assert.equal(set.size, 0);
  assert.equal(set.hasAddress('10.0.0.2', 6881), false);
  assert.deepEqual(set.admit({ handle: 'again', peerId: high, host: '10.0.0.2', port: 6881, direction: 'outgoing' }), { ok: true });
});

test('normalizeHost', () => {
  assert.equal(normalizeHost('::FFFF:1.2.3.4'), '1.2.3.4');
  assert.equal(normalizeHost('[2001:DB8::1]'), '2001:db8::1');
});
