/**
 * A ut_metadata extension plugged into two Wires over the in-memory pair: one serves a 40 KiB info
 * dictionary (three BEP 9 pieces, the last one short), the other fetches it through the registry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryPair } from '../src/adapters/testing/memory-stream.js';
import { SeededRng } from '../src/adapters/testing/seeded-rng.js';
import { VirtualClock } from '../src/adapters/testing/virtual-clock.js';
import { Wire } from '../src/engines/wire/index.js';
import { sha1 } from '../src/util/sha.js';
import type { InfoHash, PeerId } from '../src/util/units.js';
import { TestUtMetadata } from './helpers/ut-metadata-ext.js';

test('ut_metadata through the extension registry: served by one wire, fetched by the other', async () => {
  const rng = new SeededRng(5);
  const info = rng.bytes(40 * 1024 + 123);
  const infoHash = sha1(info) as InfoHash;
  const clock = new VirtualClock();
  const [ca, cb] = createMemoryPair({ clock, link: { latencyMs: 20, bytesPerSecond: 1_000_000 } });
  const leecher = new Wire(ca, { clock }, { direction: 'outgoing', peerId: rng.bytes(20) as PeerId, infoHash });
  const seeder = new Wire(cb, { clock }, { direction: 'incoming', peerId: rng.bytes(20) as PeerId, acceptInfoHash: () => true });
  const fetcher = leecher.use((w) => new TestUtMetadata(w));
  seeder.on('handshake', () => seeder.use((w) => new TestUtMetadata(w, info)));
  leecher.start();
  seeder.start();
  clock.advance(1_000);
  const got = await fetcher.fetched;
  assert.deepEqual(sha1(got), infoHash);
  assert.equal(leecher.remoteExtended?.metadataSize, info.length);
});
