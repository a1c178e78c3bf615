import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerStoreCompliance } from '../../adapters/testing/peer-store-compliance.js';
import { MemoryPeerStore } from './memory-peer-store.js';

peerStoreCompliance('MemoryPeerStore', () => new MemoryPeerStore({ ttlMs: 1000 }));

const ih = (n: number) => new Uint8Array(20).fill(n);
const pick = () => 0;

test('per-info-hash limit evicts the oldest announce', () => {
  const store = new MemoryPeerStore({ maxPeersPerInfoHash: 3 });
  for (let i = 0; i < 5; i++) store.add(ih(1), { address: `127.0.0.${i}`, port: 1 }, i);
  const got = store.get(ih(1), { max: 10, family: 'IPv4', now: 10, pick }).map((p) => p.address).sort();
  assert.deepEqual(got, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  assert.equal(store.size(), 3);
});

test('overall limits refuse new swarms and peers instead of growing', () => {
  const store = new MemoryPeerStore({ maxInfoHashes: 2, maxPeers: 3 });
  store.add(ih(1), { address: '127.0.0.1', port: 1 }, 0);
  store.add(ih(2), { address: '127.0.0.1', port: 1 }, 0);
  store.add(ih(3), { address: '127.0.0.1', port: 1 }, 0);
  assert.equal(store.swarmCount(), 2);
  store.add(ih(1), { address: '127.0.0.2', port: 1 }, 0);
  store.add(ih(1), { address: '127.0.0.3', port: 1 }, 0);
  assert.equal(store.size(), 3);
  store.add(ih(1), { address: '127.0.0.1', port: 1 }, 5);
  assert.equal(store.size(), 3, 'a refresh still works at the limit');
});
