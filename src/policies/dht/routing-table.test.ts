import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { bep42NodeId } from '../../codecs/krpc/bep42.js';
import { commonPrefixBits, compareDistance, idWithPrefix } from './distance.js';
import { BAD_AFTER_FAILURES, NODE_GOOD_FOR_MS, RoutingTable } from './routing-table.js';

const rng = new SeededRng(7);
const own = rng.bytes(20);

function node(id: Uint8Array, i = 0) {
  return { id, address: `10.0.${i >> 8}.${i & 255}`, port: 6881 };
}

test('idWithPrefix shares exactly the requested prefix', () => {
  for (let p = 0; p < 160; p++) {
    assert.equal(commonPrefixBits(own, idWithPrefix(own, p, rng.bytes(20))), p);
  }
});

test('buckets split around our own id and keep k nodes each', () => {
  const table = new RoutingTable(own, { k: 8 });
  for (let i = 0; i < 2000; i++) table.add(node(rng.bytes(20), i), 0, 'replied');
  assert.ok(table.bucketCount > 5);
  // Far buckets are full at k; nodes near us keep splitting.
  const nodes = table.nodes();
  assert.ok(nodes.length <= table.bucketCount * 8);
  const byPrefix = new Map<number, number>();
  for (const n of nodes) {
    const p = Math.min(commonPrefixBits(own, n.id), table.bucketCount - 1);
    byPrefix.set(p, (byPrefix.get(p) ?? 0) + 1);
  }
  for (const count of byPrefix.values()) assert.ok(count <= 8);
  assert.equal(byPrefix.get(0), 8, 'the half of the space far from us holds k nodes');
});

test('closest returns the XOR-closest non-bad nodes in order', () => {
  const table = new RoutingTable(own, { k: 8 });
  const all = Array.from({ length: 300 }, (_, i) => node(rng.bytes(20), i));
  for (const n of all) table.add(n, 0, 'replied');
  const target = rng.bytes(20);
  const got = table.closest(target, 8);
  const known = table.nodes().sort((a, b) => compareDistance(a.id, b.id, target));
  assert.deepEqual(got.map((n) => n.id), known.slice(0, 8).map((n) => n.id));
  for (let i = 0; i < BAD_AFTER_FAILURES; i++) table.failed(got[0].id, 1);
  assert.notDeepEqual(table.closest(target, 1)[0].id, got[0].id, 'bad nodes are skipped');
});

test('node states follow the BEP 5 timings', () => {
  const table = new RoutingTable(own);
  const n = node(idWithPrefix(own, 0, rng.bytes(20)));
  table.add(n, 1000, 'replied');
  const entry = table.get(n.id)!;
  assert.equal(table.state(entry, 1000 + NODE_GOOD_FOR_MS - 1), 'good');
  assert.equal(table.state(entry, 1000 + NODE_GOOD_FOR_MS), 'questionable');
  table.add(n, 1000 + NODE_GOOD_FOR_MS + 5, 'queried');
  assert.equal(table.state(entry, 1000 + NODE_GOOD_FOR_MS + 10), 'good', 'a node that once replied and queries us is good');
  const q = node(idWithPrefix(own, 0, rng.bytes(20)), 2);
  table.add(q, 0, 'queried');
  assert.equal(table.state(table.get(q.id)!, 0), 'questionable', 'never replied');
  table.failed(n.id, 0);
  table.failed(n.id, 0);
  assert.equal(table.state(entry, 0), 'bad');
});

test('a full bucket caches newcomers, asks to ping questionable nodes, and replaces bad ones', () => {
  const table = new RoutingTable(own, { k: 8 });
  // Fill bucket 0 (ids differing from ours in the first bit); bucket 1+ exists once it splits.
  const far = Array.from({ length: 8 }, (_, i) => node(idWithPrefix(own, 0, rng.bytes(20)), i));
  for (const n of far) table.add(n, 0, 'replied');
  for (let i = 0; i < 20; i++) table.add(node(idWithPrefix(own, 1 + (i % 3), rng.bytes(20)), 100 + i), 0, 'replied');
  const newcomer = node(idWithPrefix(own, 0, rng.bytes(20)), 50);
  const early = table.add(newcomer, 1000, 'replied');
  assert.deepEqual(early, { kind: 'cached', ping: [] }, 'all good: nothing to ping');
  const later = table.add(node(idWithPrefix(own, 0, rng.bytes(20)), 51), NODE_GOOD_FOR_MS + 1, 'replied');
  assert.equal(later.kind, 'cached');
  assert.equal(later.kind === 'cached' && later.ping.length, 8, 'all questionable after 15 minutes');
  // The pinged node fails twice: the most recent replacement takes its place.
  table.failed(far[0].id, NODE_GOOD_FOR_MS + 2);
  assert.ok(table.get(far[0].id));
  table.failed(far[0].id, NODE_GOOD_FOR_MS + 3);
  assert.equal(table.get(far[0].id), undefined);
  assert.equal(table.nodes().filter((n) => commonPrefixBits(own, n.id) === 0).length, 8);
});

test('rejects ourselves, id hijacks and (when enforced) BEP 42 violations', () => {
  const table = new RoutingTable(own, { enforceBep42: true });
  assert.deepEqual(table.add(node(own), 0, 'replied'), { kind: 'rejected', reason: 'self' });
  const good = { id: bep42NodeId('203.0.113.9', rng.bytes(20)), address: '203.0.113.9', port: 1 };
  assert.equal(table.add(good, 0, 'replied').kind, 'added');
  assert.deepEqual(table.add({ ...good, port: 9 }, 0, 'replied'), { kind: 'rejected', reason: 'address-conflict' });
  assert.deepEqual(table.add({ id: rng.bytes(20), address: '203.0.113.9', port: 2 }, 0, 'replied').kind === 'rejected', true);
  assert.equal(table.add({ id: rng.bytes(20), address: '127.0.0.5', port: 2 }, 0, 'replied').kind, 'added', 'loopback exempt');
});

test('stale buckets are reported for refresh and snapshot lists every node', () => {
  const table = new RoutingTable(own, {}, 0);
  for (let i = 0; i < 40; i++) table.add(node(rng.bytes(20), i), 0, 'replied');
  assert.deepEqual(table.staleBuckets(1), []);
  assert.equal(table.staleBuckets(NODE_GOOD_FOR_MS).length, table.bucketCount);
  table.markRefreshed(0, NODE_GOOD_FOR_MS);
  assert.ok(!table.staleBuckets(NODE_GOOD_FOR_MS).includes(0));
  const snap = table.snapshot();
  assert.equal(snap.nodes.length, table.size);
});
