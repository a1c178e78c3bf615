/**
 * A leecher relays the pieces it downloads to a leecher behind it, over the in-memory network:
 * blocks of pieces it has just verified go out from its read cache, and the cache's buffers go
 * back to the download once evicted (PieceReader). The memory transport reads a block's memory
 * when the block arrives, as a socket reads it when it sends, so a buffer reused too early reaches
 * the last leecher changed and fails its hash. (Whether a given run reuses a buffer that still
 * has a block in flight depends on timing; the rule itself is tested in piece-reader.test.ts.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { HashPool } from '../../src/adapters/node/hash-pool.js';
import { MemoryNetwork } from '../../src/adapters/testing/memory-stream.js';
import { SeededRng } from '../../src/adapters/testing/seeded-rng.js';
import { Session } from '../../src/engines/session/client.js';
import { MemoryStorage } from '../../src/engines/storage/memory-storage.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

test('relayed pieces reach the next leecher intact while their buffers are reused', async (t) => {
  // More than the relay's assembly memory (16 MiB), so the download reuses piece buffers, and a
  // small read cache (2 MiB), so cached pieces are evicted while the relay still downloads.
  const size = 24 * 1024 * 1024;
  const content = await makeContent(tempDir(t), 'relay', { 'relay.bin': size }, { pieceLength: 64 * 1024 });
  const data = content.files.get('relay.bin')!;
  const [S, A, B] = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  const net = new MemoryNetwork({
    clock: systemClock,
    link: (from, to) =>
      from === A && to === B ? { bytesPerSecond: 64 * 1024 * 1024, latencyMs: 5 } : from === S ? { bytesPerSecond: 32 * 1024 * 1024, latencyMs: 1 } : { latencyMs: 1 },
  });
  // The network runs on the system clock's timers, which do not hold the process open.
  const keepAlive = setInterval(() => {}, 1000);
  const hasher = new HashPool({ threads: 1 });
  const stores = new Map<string, MemoryStorage>();
  const session = (host: string, seed: number): Session =>
    new Session(
      {
        clock: systemClock,
        rng: new SeededRng(seed),
        transport: net.transport(host),
        hasher,
        storageFactory: (files) => {
          const storage = new MemoryStorage(files);
          if (host === S) void storage.write(0, data);
          stores.set(host, storage);
          return storage;
        },
        extensions: { pex: false },
      },
      { port: 0, bindAddress: host, localAddress: host, path: join('/', host) },
    );
  const sessions = [session(S, 1), session(A, 2), session(B, 3)];
  t.after(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await hasher.close();
    clearInterval(keepAlive);
  });
  const [s, a, b] = sessions;
  const seeding = await s.addMetainfo(content.torrent);
  await seeding.whenDone({ signal: AbortSignal.timeout(30_000) });
  const la = await a.addMetainfo(content.torrent, { peers: [`${S}:${s.port}`], readCacheBytes: 2 * 1024 * 1024 });
  const lb = await b.addMetainfo(content.torrent, { peers: [`${A}:${a.port}`] });
  await Promise.all([la.whenDone({ signal: AbortSignal.timeout(60_000) }), lb.whenDone({ signal: AbortSignal.timeout(60_000) })]);
  assert.equal(lb.stats().hashFailures, 0, 'every relayed piece verified');
  assert.ok(la.stats().uploaded >= size, 'the last leecher got everything from the relay');
  assert.deepEqual(await stores.get(B)!.read(0, size), data);
  assert.deepEqual(await stores.get(A)!.read(0, size), data);
});
