/**
 * The tracker clients and the BEP 12 Announcer against real trackers: torrentkit's own and
 * Debian's opentracker; dead trackers fall through; the tracker that answers is promoted.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { Announcer } from '../../src/engines/tracker/announcer.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { UdpTrackerClient } from '../../src/engines/tracker/udp-client.js';
import type { AnnounceRequest } from '../../src/engines/tracker/types.js';
import { fromHex } from '../../src/util/bytes.js';
import { requireTool, tempDir } from '../helpers/tools.js';
import { freePort, startOpentracker } from '../helpers/trackers.js';

const deps = { clock: systemClock, rng: cryptoRng, http: nodeHttpGet, datagrams: nodeDatagrams };
const peerId = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
const req = (hash: Uint8Array, n: number, left: number, event: AnnounceRequest['event'] = 'started'): AnnounceRequest => ({
  infoHash: hash,
  peerId: peerId(n),
  port: 7000 + n,
  uploaded: 0,
  downloaded: 0,
  left,
  event,
  numwant: 50,
  key: n,
});

test('announcer falls through dead trackers and tiers, promotes the one that answered', async (t) => {
  const tr = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', intervalS: 60 });
  t.after(() => tr.close());
  // A UDP "tracker" that never answers and an HTTP port where nothing listens.
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  t.after(() => silent.close());
  const deadUdp = `udp://127.0.0.1:${silent.address().port}`;
  const deadHttp = `http://127.0.0.1:${await freePort()}/announce`;
  const good = `udp://127.0.0.1:${tr.udpPort}/announce`;
  const hash = fromHex('c0'.repeat(20));
  const a = new Announcer(deps, {
    infoHash: hash,
    peerId: peerId(1),
    port: 7001,
    tiers: [[deadUdp, deadHttp], ['gopher://x', good, `http://127.0.0.1:${tr.httpPort}/announce`]],
    stats: () => ({ downloaded: 0, uploaded: 0, left: 0 }),
    udpRetransmitBaseMs: 50,
    udpMaxRetransmits: 1,
    httpTimeoutMs: 2000,
  });
  t.after(() => a.close());
  const warnings: string[] = [];
  a.on('warning', (w) => warnings.push(w.url));
  const r = await a.start();
  assert.equal(warnings.filter((u) => u === deadUdp || u === deadHttp).length, 2, 'both dead trackers of tier 1 were tried');
  assert.equal(a.order()[1][0], r.url, 'the answering tracker is first in its tier');
  // A second torrent session finds the first one through the same tracker.
  const peers: string[] = [];
  const b = new Announcer(deps, { infoHash: hash, peerId: peerId(2), port: 7002, tiers: [[good]], stats: () => ({ downloaded: 0, uploaded: 0, left: 100 }) });
  t.after(() => b.close());
  b.on('peers', (e) => peers.push(...e.peers.map((p) => `${p.ip}:${p.port}`)));
  await b.start();
  assert.deepEqual(peers, ['127.0.0.1:7001']);
  const scrape = await b.scrape();
  assert.deepEqual([scrape.complete, scrape.incomplete], [1, 1]);
  await b.stop();
  assert.equal((await a.scrape()).incomplete, 0, 'stopped removed the leecher');
});

test('announcer reports an error when every tracker fails', async (t) => {
  const a = new Announcer(deps, {
    infoHash: new Uint8Array(20),
    peerId: peerId(1),
    port: 1,
    tiers: [[`http://127.0.0.1:${await freePort()}/announce`]],
    stats: () => ({ downloaded: 0, uploaded: 0, left: 0 }),
  });
  t.after(() => a.close());
  let errors = 0;
  a.on('error', () => errors++);
  await assert.rejects(a.announce('started'), (e: Error & { code?: string }) => e.code === 'BT_ERR_TRACKER_UNREACHABLE');
  assert.equal(errors, 1);
});

test('HTTP and UDP clients against opentracker', async (t) => {
  if (!requireTool(t, 'opentracker', ['sh', ['-c', 'command -v opentracker']])) return;
  const dir = tempDir(t);
  const hash = fromHex('0f'.repeat(20));
  const ot = await startOpentracker(dir, [hash]);
  t.after(() => ot.stop());
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${ot.port}/announce`);
  const udp = new UdpTrackerClient(deps, `udp://127.0.0.1:${ot.port}`, { retransmitBaseMs: 500, maxRetransmits: 3 });
  t.after(() => udp.close());
  await http.announce(req(hash, 1, 0));
  const r = await udp.announce(req(hash, 2, 100));
  // opentracker may hand a peer back its own address; the seeder must be there.
  assert.ok(r.peers.some((p) => `${p.ip}:${p.port}` === '127.0.0.1:7001'));
  assert.equal(r.complete, 1);
  const r2 = await http.announce(req(hash, 3, 100));
  assert.ok(r2.peers.some((p) => p.port === 7002));
  await http.announce(req(hash, 3, 0, 'completed'));
  const [viaUdp] = await udp.scrape([hash]);
  const [viaHttp] = await http.scrape([hash]);
  assert.deepEqual([viaUdp.complete, viaUdp.incomplete, viaUdp.downloaded], [2, 1, 1]);
  assert.deepEqual([viaHttp.complete, viaHttp.incomplete, viaHttp.downloaded], [2, 1, 1]);
  const refused = await http.announce(req(fromHex('ee'.repeat(20)), 1, 0)).catch((e: unknown) => e);
  assert.ok(refused instanceof Error, 'opentracker refuses hashes off its whitelist');
});
