/** `torrentkit tracker` as a process: starts, serves announces, keeps SQLite swarms across a restart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { fromHex } from '../../src/util/bytes.js';
import { runCli, tempDir } from '../helpers/tools.js';
import { spawnTracker } from '../helpers/trackers.js';

test('tracker --help and usage errors', () => {
  const help = runCli(['tracker', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--http-port N/);
  const bad = runCli(['tracker', '--http-port', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BT_ERR_CLI_USAGE/);
  const store = runCli(['tracker', '--http-port', '0', '--store', 'mongo://x']);
  assert.equal(store.status, 1);
  assert.match(store.stderr, /BT_ERR_TRACKER_STORE_URL/);
});

test('a restart with the default SQLite store keeps swarms and completed counts', async (t) => {
  const dir = tempDir(t);
  const hash = fromHex('5a'.repeat(20));
  const peer = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  const first = await spawnTracker(['--http-port', '0'], dir);
  t.after(() => first.stop());
  assert.match(first.line, /store sqlite:\.\/torrentkit-data\/tracker\.db/);
  const c1 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${first.httpPort}/announce`);
  await c1.announce({ infoHash: hash, peerId: peer(1), port: 7001, uploaded: 0, downloaded: 0, left: 0, event: 'completed', numwant: 10, key: 1 });
  await c1.announce({ infoHash: hash, peerId: peer(2), port: 7002, uploaded: 0, downloaded: 0, left: 9, event: 'started', numwant: 10, key: 2 });
  await first.stop();
  const second = await spawnTracker(['--http-port', '0'], dir);
  t.after(() => second.stop());
  const c2 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${second.httpPort}/announce`);
  const [e] = await c2.scrape([hash]);
  assert.deepEqual([e.complete, e.incomplete, e.downloaded], [1, 1, 1]);
  const r = await c2.announce({ infoHash: hash, peerId: peer(3), port: 7003, uploaded: 0, downloaded: 0, left: 9, event: 'started', numwant: 10, key: 3 });
  assert.deepEqual(r.peers.map((p) => p.port), [7001, 7002]);
});
