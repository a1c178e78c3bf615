import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { clientOf, TrackerStats } from './stats.js';

const id = (s: string) => {
  const out = new Uint8Array(20).fill(0x78);
  out.set(new TextEncoder().encode(s));
  return out;
};

test('clients are named by their peer ids: Azureus style by its prefix, other styles by name and version', () => {
  assert.equal(clientOf(id('-TK0100-')), 'TK0100');
  assert.equal(clientOf(id('-LT2080-')), 'LT2080');
  assert.equal(clientOf(id('A2-1-36-0-')), 'aria2 1.36.0');
  assert.equal(clientOf(id('M7-4-3--')), 'BitTorrent 7.4.3');
  assert.equal(clientOf(id('S58B-----')), "Shadow's client 5.8.11");
  assert.equal(clientOf(new Uint8Array(20)), 'unknown');
});

test('announces are counted per transport and client; the rate covers the last minute', () => {
  const clock = new VirtualClock();
  const stats = new TrackerStats(clock);
  for (let i = 0; i < 30; i++) stats.announce('udp', id('A2-1-36-0-'));
  stats.announce('http', id('-TK0100-'));
  clock.advance(10_000);
  const snap = stats.snapshot();
  assert.deepEqual(snap.announces, { http: 1, udp: 30, ws: 0 });
  assert.deepEqual(snap.clients, { 'aria2 1.36.0': 30, TK0100: 1 });
  assert.ok(Math.abs(snap.announcesPerSecond - 31 / 10) < 0.5, `rate ${snap.announcesPerSecond}`);
});
