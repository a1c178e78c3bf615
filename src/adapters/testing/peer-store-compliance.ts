/**
 * The compliance suite every PeerStore passes (memory, SQLite, Redis ...): run it from a test
 * file with `peerStoreCompliance('name', () => new MyStore({ ttlMs: 1000 }))`. The factory must
 * build a store whose peers expire after 1000 ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerStore } from '../../ports/peer-store.js';
import { SeededRng } from './seeded-rng.js';

export function peerStoreCompliance(name: string, make: () => PeerStore | Promise<PeerStore>): void {
  const ih = (n: number) => new Uint8Array(20).fill(n);
  const pick = (n: number) => new SeededRng(n).int(n);

  test(`${name}: stores peers per info hash and family`, async () => {
    const store = await make();
    await store.add(ih(1), { address: '127.0.0.1', port: 1 }, 0);
    await store.add(ih(1), { address: '::1', port: 2 }, 0);
    await store.add(ih(2), { address: '127.0.0.2', port: 3 }, 0);
    assert.deepEqual(await store.get(ih(1), { max: 10, family: 'IPv4', now: 1, pick }), [{ address: '127.0.0.1', port: 1 }]);
    assert.deepEqual(await store.get(ih(1), { max: 10, family: 'IPv6', now: 1, pick }), [{ address: '::1', port: 2 }]);
    assert.deepEqual(await store.get(ih(3), { max: 10, family: 'IPv4', now: 1, pick }), []);
    assert.equal(await store.size(), 3);
  });

  test(`${name}: re-announcing refreshes instead of duplicating`, async () => {
    const store = await make();
    await store.add(ih(1), { address: '127.0.0.1', port: 1 }, 0);
    await store.add(ih(1), { address: '127.0.0.1', port: 1 }, 900);
    assert.equal(await store.size(), 1);
    assert.equal((await store.get(ih(1), { max: 10, family: 'IPv4', now: 1500, pick })).length, 1, 'refreshed at 900');
  });

  test(`${name}: peers expire and prune frees them`, async () => {
    const store = await make();
    await store.add(ih(1), { address: '127.0.0.1', port: 1 }, 0);
    await store.add(ih(1), { address: '127.0.0.2', port: 1 }, 500);
    assert.equal((await store.get(ih(1), { max: 10, family: 'IPv4', now: 1200, pick })).length, 1);
    await store.prune(1200);
    assert.equal(await store.size(), 1);
    await store.prune(5000);
    assert.equal(await store.size(), 0);
  });

  test(`${name}: get returns at most max peers, all distinct`, async () => {
    const store = await make();
    for (let i = 0; i < 60; i++) await store.add(ih(1), { address: `127.0.0.${i}`, port: 1 }, 0);
    const got = await store.get(ih(1), { max: 25, family: 'IPv4', now: 1, pick: (n) => (n * 7919) % n });
    assert.equal(got.length, 25);
    assert.equal(new Set(got.map((p) => p.address)).size, 25);
  });
}
