/** Two tracker processes on one Redis: a seeder announced to the first is returned by the second. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { UdpTrackerClient } from '../../src/engines/tracker/udp-client.js';
import { fromHex } from '../../src/util/bytes.js';
import { requireTool, tempDir } from '../helpers/tools.js';
import { spawnTracker, startRedisServer } from '../helpers/trackers.js';

test('two tracker processes share swarms through Redis', async (t) => {
  if (!requireTool(t, 'redis-server')) return;
  const dir = tempDir(t);
  const redis = await startRedisServer();
  t.after(() => redis.stop());
  const store = `${redis.url}?prefix=shared:`;
  const one = await spawnTracker(['--http-port', '0', '--udp-port', '0', '--store', store], dir);
  t.after(() => one.stop());
  const two = await spawnTracker(['--http-port', '0', '--udp-port', '0', '--store', store], dir);
  t.after(() => two.stop());
  const hash = fromHex('7e'.repeat(20));
  const peer = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  const first = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${one.httpPort}/announce`);
  await first.announce({ infoHash: hash, peerId: peer(1), port: 7001, uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 10, key: 1 });
  const second = new UdpTrackerClient({ clock: systemClock, rng: cryptoRng, datagrams: nodeDatagrams }, `udp://127.0.0.1:${two.udpPort}`, { retransmitBaseMs: 500, maxRetransmits: 2 });
  t.after(() => second.close());
  const r = await second.announce({ infoHash: hash, peerId: peer(2), port: 7002, uploaded: 0, downloaded: 0, left: 5, event: 'started', numwant: 10, key: 2 });
  assert.deepEqual(r.peers, [{ ip: '127.0.0.1', port: 7001 }]);
  assert.equal(r.complete, 1);
  const [e] = await first.scrape([hash]);
  assert.deepEqual([e.complete, e.incomplete], [1, 1], 'the first process sees the leecher announced to the second');
});
