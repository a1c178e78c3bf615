import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../../util/bytes.js';
import type { TorrentkitError } from '../../util/errors.js';
import { Emitter } from '../../util/emitter.js';
import { attachLsdToTorrent, LsdDiscovery, type LsdTarget, type SessionLsd } from './lsd-discovery.js';
import type { Torrent } from './torrent.js';

class FakeLsd implements SessionLsd {
  readonly announced = new Set<string>();
  private listener: ((h: Uint8Array, p: { address: string; port: number }) => void) | undefined;
  add(h: Uint8Array): void {
    this.announced.add(toHex(h));
  }
  remove(h: Uint8Array): void {
    this.announced.delete(toHex(h));
  }
  on(_event: 'peer', listener: (h: Uint8Array, p: { address: string; port: number }) => void): void {
    this.listener = listener;
  }
  hear(h: Uint8Array, address: string, port: number): void {
    this.listener?.(h, { address, port });
  }
}

function target(byte: number): LsdTarget & { peers: string[] } {
  const peers: string[] = [];
  return { infoHash: new Uint8Array(20).fill(byte), peers, addPeer: (h, p, s) => peers.push(`${s} ${h}:${p}`), warn: (_e: TorrentkitError) => {} };
}

const tick = () => new Promise((r) => setImmediate(r));

test('announces while a target is registered and routes peers to the targets of their info hash only', async () => {
  const lsd = new FakeLsd();
  let starts = 0;
  const d = new LsdDiscovery(async () => (starts++, lsd));
  const a = target(1);
  const b = target(2);
  const a2 = target(1);
  const stopA = d.announce(a);
  const stopB = d.announce(b);
  const stopA2 = d.announce(a2);
  await tick();
  assert.equal(starts, 1, 'one service for all targets');
  assert.deepEqual([...lsd.announced].sort(), [toHex(a.infoHash), toHex(b.infoHash)]);
  lsd.hear(a.infoHash, '10.0.0.5', 6881);
  assert.deepEqual(a.peers, ['lsd 10.0.0.5:6881']);
  assert.deepEqual(a2.peers, ['lsd 10.0.0.5:6881']);
  assert.deepEqual(b.peers, []);
  stopA();
  await tick();
  assert.ok(lsd.announced.has(toHex(a.infoHash)), 'still announced for the other target of the hash');
  stopA2();
  stopB();
  await tick();
  assert.equal(lsd.announced.size, 0);
  lsd.hear(a.infoHash, '10.0.0.6', 6881);
  assert.deepEqual(a.peers, ['lsd 10.0.0.5:6881'], 'no peers after stopping');
});

test('a hash handed from one target to the next (magnet -> torrent) stays announced', async () => {
  const lsd = new FakeLsd();
  const d = new LsdDiscovery(async () => lsd);
  const stopMagnet = d.announce(target(3));
  await tick();
  stopMagnet();
  d.announce(target(3));
  await tick();
  assert.deepEqual([...lsd.announced], [toHex(target(3).infoHash)]);
});

test('without LSD (the service could not start) targets are simply not announced', async () => {
  const d = new LsdDiscovery(async () => undefined);
  const t = target(4);
  const stop = d.announce(t);
  await tick();
  stop();
  const failing = new LsdDiscovery(async () => {
    throw new Error('no multicast');
  });
  failing.announce(t);
  await tick();
  assert.deepEqual(t.peers, []);
});

/** The part of a Torrent attachLsdToTorrent looks at. */
class FakeTorrent extends Emitter<{ ready: []; resumed: []; paused: [] }> {
  state = 'checking';
  readonly peers: string[] = [];
  constructor(
    readonly infoHash: Uint8Array,
    readonly meta: { private: boolean },
  ) {
    super();
  }
  addPeer(host: string, port: number, source: string): void {
    this.peers.push(`${source} ${host}:${port}`);
  }
  warn(): void {}
  set(state: string, event: 'ready' | 'resumed' | 'paused'): void {
    this.state = state;
    this.emit(event);
  }
}

test('a torrent is announced while it runs, not while paused, and a private torrent never (BEP 27)', async () => {
  const lsd = new FakeLsd();
  const d = new LsdDiscovery(async () => lsd);
  const pub = new FakeTorrent(new Uint8Array(20).fill(5), { private: false });
  const priv = new FakeTorrent(new Uint8Array(20).fill(6), { private: true });
  const stopPub = attachLsdToTorrent(pub as unknown as Torrent, d);
  attachLsdToTorrent(priv as unknown as Torrent, d);
  await tick();
  assert.equal(lsd.announced.size, 0, 'nothing announced while checking');
  pub.set('downloading', 'ready');
  priv.set('downloading', 'ready');
  await tick();
  assert.deepEqual([...lsd.announced], [toHex(pub.infoHash)]);
  lsd.hear(priv.infoHash, '10.0.0.7', 1);
  assert.deepEqual(priv.peers, []);
  pub.set('paused', 'paused');
  await tick();
  assert.equal(lsd.announced.size, 0, 'paused: no longer announced');
  pub.set('seeding', 'resumed');
  await tick();
  assert.equal(lsd.announced.size, 1, 'resumed: announced again');
  await stopPub.stop();
  await tick();
  assert.equal(lsd.announced.size, 0);
});
