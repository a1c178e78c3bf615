import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../../util/bytes.js';
import type { TorrentkitError } from '../../util/errors.js';
import { LsdDiscovery, type LsdTarget, type SessionLsd } from './lsd-discovery.js';

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
