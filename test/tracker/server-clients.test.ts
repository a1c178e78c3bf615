/**
 * The tracker server (HTTP + UDP over the memory store) against torrentkit's own tracker clients
 * and raw requests: smart peer lists, scrape, stats, private mode, bad input counted and answered.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { decodeUdpResponse, encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/codecs/tracker/udp.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import type { AnnounceRequest } from '../../src/engines/tracker/types.js';
import { UdpTrackerClient } from '../../src/engines/tracker/udp-client.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { decode } from '../../src/codecs/bencode/decode.js';
import type { BDict } from '../../src/codecs/bencode/types.js';
import { TrackerError } from '../../src/codecs/tracker/errors.js';
import { tempDir } from '../helpers/tools.js';

const udpDeps = { clock: systemClock, rng: cryptoRng, datagrams: nodeDatagrams };

function req(hash: Uint8Array, n: number, left: number, extra: Partial<AnnounceRequest> = {}): AnnounceRequest {
  const peerId = new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  return { infoHash: hash, peerId, port: 6000 + n, uploaded: 0, downloaded: 0, left, event: 'started', numwant: 50, key: n, ...extra };
}

async function json(url: string): Promise<Record<string, unknown>> {
  return JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(url)).body)) as Record<string, unknown>;
}

test('HTTP and UDP announces share swarms; smart lists; scrape; stats', async (t) => {
  const tr = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', intervalS: 60 });
  t.after(() => tr.close());
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${tr.httpPort}/announce`);
  const udp = new UdpTrackerClient(udpDeps, `udp://127.0.0.1:${tr.udpPort}`, { retransmitBaseMs: 200, maxRetransmits: 2 });
  t.after(() => udp.close());
  const hash = fromHex('aa'.repeat(20));
  const seed = await http.announce(req(hash, 1, 0));
  assert.deepEqual(seed.peers, []);
  assert.ok(seed.interval >= 60 && seed.interval <= 66, `interval ${seed.interval} has jitter within 10%`);
  assert.equal(seed.minInterval, 30);
  await udp.announce(req(hash, 2, 100));
  const leech = await http.announce(req(hash, 3, 100));
  assert.equal(leech.complete, 1);
  assert.equal(leech.incomplete, 2);
  assert.deepEqual(leech.peers.map((p) => p.port), [6001, 6002], 'seeder first, then the other leecher, never itself');
  const seedAgain = await udp.announce(req(hash, 1, 0, { event: undefined }));
  assert.deepEqual(seedAgain.peers.map((p) => p.port).sort(), [6002, 6003], 'a seeder gets only leechers');
  assert.ok(seedAgain.peers.every((p) => p.ip === '127.0.0.1'));
  await http.announce(req(hash, 3, 0, { event: 'completed' }));
  await udp.announce(req(hash, 2, 100, { event: 'stopped' }));
  const [viaHttp] = await http.scrape([hash]);
  const [viaUdp] = await udp.scrape([hash]);
  assert.deepEqual([viaHttp.complete, viaHttp.incomplete, viaHttp.downloaded], [2, 0, 1]);
  assert.deepEqual([viaUdp.complete, viaUdp.incomplete, viaUdp.downloaded], [2, 0, 1]);
  const stats = await json(`http://127.0.0.1:${tr.httpPort}/stats.json`);
  assert.equal(stats.torrents, 1);
  assert.equal(stats.seeders, 2);
  assert.equal(stats.completed, 1);
  assert.deepEqual(stats.announces, { http: 3, udp: 3, ws: 0 });
  assert.deepEqual(stats.clients, { TK0100: 6 });
  const metrics = new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tr.httpPort}/metrics`)).body);
  assert.match(metrics, /torrentkit_tracker_peers\{state="seeder"\} 2/);
  assert.match(metrics, /torrentkit_tracker_announces_total\{transport="udp"\} 3/);
  const html = new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tr.httpPort}/stats`)).body);
  assert.match(html, /<th>completed<\/th><td>1<\/td>/);
});

test('bad HTTP input gets a failure reason and is counted; slow and oversized requests are dropped', async (t) => {
  const tr = await startTracker({ httpPort: 0, store: 'memory:', headersTimeoutMs: 1000 });
  t.after(() => tr.close());
  const base = `http://127.0.0.1:${tr.httpPort}`;
  const bad = async (q: string) => new TextDecoder().decode((await nodeHttpGet.get(`${base}/announce?${q}`)).body);
  assert.match(await bad('info_hash=abc&peer_id=x&port=1'), /failure reason.*info_hash must be 20 bytes/);
  assert.match(await bad(`info_hash=${'%aa'.repeat(20)}&peer_id=${'b'.repeat(20)}&port=99999`), /failure reason/);
  assert.match(await bad(`info_hash=${'%aa'.repeat(20)}&peer_id=${'b'.repeat(20)}&port=1&event=nope`), /unknown event/);
  assert.match(await bad('%zz'), /failure reason/);
  // Oversized request head.
  const big = await nodeHttpGet.get(`${base}/announce?x=${'a'.repeat(20_000)}`).catch((e: Error) => e);
  assert.ok(big instanceof Error || big.status === 431);
  // A client that never finishes its request is cut off.
  const slowClosed = await new Promise<boolean>((resolve) => {
    const s = connect(tr.httpPort!, '127.0.0.1', () => s.write('GET /announce?info_hash='));
    s.on('close', () => resolve(true));
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 15_000).unref();
  });
  assert.ok(slowClosed, 'slow client dropped');
  const stats = await json(`${base}/stats.json`);
  const errors = stats.errors as Record<string, number>;
  assert.equal(errors.BT_ERR_TRACKER_BAD_INFO_HASH, 1);
  assert.equal(errors.BT_ERR_TRACKER_BAD_NUMBER, 1);
  assert.equal(errors.BT_ERR_TRACKER_BAD_EVENT, 1);
  assert.equal(errors.BT_ERR_TRACKER_BAD_INFO_HASH + errors.BT_ERR_TRACKER_BAD_QUERY, 2);
  assert.ok((errors.BT_ERR_TRACKER_TOO_LARGE ?? 0) >= 1, JSON.stringify(errors));
  assert.ok((errors.BT_ERR_TRACKER_HTTP_TIMEOUT ?? 0) >= 1, JSON.stringify(errors));
});

test('UDP: forged connection ids and garbage get error actions and are counted', async (t) => {
  const tr = await startTracker({ udpPort: 0, httpPort: 0, store: 'memory:' });
  t.after(() => tr.close());
  const sock = createSocket('udp4');
  t.after(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const ask = (packet: Uint8Array) =>
    new Promise<Uint8Array | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 500);
      sock.once('message', (m) => {
        clearTimeout(timer);
        resolve(new Uint8Array(m));
      });
      sock.send(packet, tr.udpPort!, '127.0.0.1');
    });
  const forged = encodeUdpAnnounceRequest({
    connectionId: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    transactionId: 77,
    infoHash: new Uint8Array(20),
    peerId: new Uint8Array(20),
    downloaded: 0,
    left: 0,
    uploaded: 0,
    event: undefined,
    key: 0,
    numwant: 5,
    port: 1,
  });
  const r1 = decodeUdpResponse((await ask(forged))!);
  assert.equal(r1.action, 'error');
  assert.equal(r1.transactionId, 77);
  const c = decodeUdpResponse((await ask(encodeUdpConnectRequest(5)))!);
  assert.equal(c.action, 'connect');
  const truncated = encodeUdpAnnounceRequest({ ...forgedFields(), connectionId: c.action === 'connect' ? c.connectionId : new Uint8Array(8) }).subarray(0, 60);
  assert.equal(decodeUdpResponse((await ask(truncated))!).action, 'error');
  assert.equal(await ask(new Uint8Array(3)), undefined, 'a packet too short for a transaction id is dropped silently');
  const stats = await json(`http://127.0.0.1:${tr.httpPort}/stats.json`);
  const errors = stats.errors as Record<string, number>;
  assert.equal(errors.BT_ERR_TRACKER_BAD_CONNECTION_ID, 1);
  assert.equal(errors.BT_ERR_TRACKER_UDP_TRUNCATED, 2);
});

function forgedFields() {
  return { transactionId: 1, infoHash: new Uint8Array(20), peerId: new Uint8Array(20), downloaded: 0, left: 0, uploaded: 0, event: undefined, key: 0, numwant: 5, port: 1 };
}

test('private mode: allow list file reloaded on change, API adds hashes', async (t) => {
  const dir = tempDir(t);
  const allow = join(dir, 'allow.txt');
  const a = fromHex('11'.repeat(20));
  const b = fromHex('22'.repeat(20));
  const c = fromHex('33'.repeat(20));
  writeFileSync(allow, `# allowed\n${toHex(a)}\n`);
  const tr = await startTracker({ httpPort: 0, store: 'memory:', allowFile: allow });
  t.after(() => tr.close());
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${tr.httpPort}/announce`);
  await http.announce(req(a, 1, 0));
  const refused = await http.announce(req(b, 1, 0)).catch((e: unknown) => e);
  assert.ok(refused instanceof TrackerError && refused.code === 'BT_ERR_TRACKER_FAILURE' && /not registered/.test(refused.reason));
  writeFileSync(allow, `${toHex(a)}\n${toHex(b)}\n`);
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    await new Promise((r) => setTimeout(r, 100));
    ok = await http.announce(req(b, 1, 0)).then(
      () => true,
      () => false,
    );
  }
  assert.ok(ok, 'the reloaded allow list admits the new hash');
  tr.core.allow(c);
  await http.announce(req(c, 1, 0));
});

test('the ip parameter is ignored unless trusted; X-Forwarded-For only with trust-proxy', async (t) => {
  const plain = await startTracker({ httpPort: 0, store: 'memory:' });
  t.after(() => plain.close());
  const trusting = await startTracker({ httpPort: 0, store: 'memory:', trustProxy: true });
  t.after(() => trusting.close());
  const hash = fromHex('44'.repeat(20));
  for (const tr of [plain, trusting]) {
    const base = `http://127.0.0.1:${tr.httpPort}/announce`;
    const q1 = `info_hash=${'%44'.repeat(20)}&peer_id=${'a'.repeat(20)}&port=1&left=0&ip=10.9.9.9`;
    await nodeHttpGet.get(`${base}?${q1}`, { headers: { 'X-Forwarded-For': '10.1.2.3, 10.0.0.1' } });
    const http = new HttpTrackerClient({ http: nodeHttpGet }, base);
    const r = await http.announce(req(hash, 2, 5));
    assert.equal(r.peers[0].ip, tr === plain ? '127.0.0.1' : '10.1.2.3');
  }
  // An operator who trusts the parameter (a front end that sets it): HTTP `ip` and the UDP IP field.
  const trusted = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', trustIp: true });
  t.after(() => trusted.close());
  const base = `http://127.0.0.1:${trusted.httpPort}/announce`;
  await nodeHttpGet.get(`${base}?info_hash=${'%44'.repeat(20)}&peer_id=${'a'.repeat(20)}&port=1&left=0&ip=10.9.9.9`);
  const udp = new UdpTrackerClient(udpDeps, `udp://127.0.0.1:${trusted.udpPort}`, { retransmitBaseMs: 200, maxRetransmits: 2 });
  t.after(() => udp.close());
  const sock = createSocket('udp4');
  t.after(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const ask = (packet: Uint8Array) =>
    new Promise<Uint8Array>((resolve) => {
      sock.once('message', (m) => resolve(new Uint8Array(m)));
      sock.send(packet, trusted.udpPort!, '127.0.0.1');
    });
  const conn = decodeUdpResponse(await ask(encodeUdpConnectRequest(9)));
  assert.equal(conn.action, 'connect');
  const packet = encodeUdpAnnounceRequest({ ...forgedFields(), connectionId: conn.action === 'connect' ? conn.connectionId : new Uint8Array(8), infoHash: hash, peerId: new Uint8Array(20).fill(0x62), port: 2 });
  packet.set([10, 8, 8, 8], 84); // BEP 15: the IP address field
  assert.equal(decodeUdpResponse(await ask(packet)).action, 'announce');
  const r = await new HttpTrackerClient({ http: nodeHttpGet }, base).announce(req(hash, 3, 5));
  assert.deepEqual(r.peers.map((p) => `${p.ip}:${p.port}`).sort(), ['10.8.8.8:2', '10.9.9.9:1']);
});

test('several info hashes in one scrape over HTTP and UDP (BEP 48, BEP 15); a dictionary list when compact=0', async (t) => {
  const tr = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:' });
  t.after(() => tr.close());
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${tr.httpPort}/announce`);
  const udp = new UdpTrackerClient(udpDeps, `udp://127.0.0.1:${tr.udpPort}`, { retransmitBaseMs: 200, maxRetransmits: 2 });
  t.after(() => udp.close());
  const [x, y, unknown] = [fromHex('51'.repeat(20)), fromHex('52'.repeat(20)), fromHex('53'.repeat(20))];
  await http.announce(req(x, 1, 0));
  await http.announce(req(x, 2, 7));
  await udp.announce(req(y, 3, 7));
  for (const client of [http, udp]) {
    // UDP answers in the order asked (BEP 15); HTTP in a dictionary keyed by info hash (BEP 48).
    const entries = await client.scrape([y, unknown, x]);
    assert.deepEqual(
      entries.map((e) => [toHex(e.infoHash), e.complete, e.incomplete]).sort(),
      [
        [toHex(x), 1, 1],
        [toHex(y), 0, 1],
        [toHex(unknown), 0, 0],
      ],
    );
  }
  // compact=0 (BEP 3's dictionary model), with and without peer ids.
  const q = `info_hash=${'%51'.repeat(20)}&peer_id=${'c'.repeat(20)}&port=9&left=3&compact=0`;
  for (const noPeerId of [false, true]) {
    const body = (await nodeHttpGet.get(`http://127.0.0.1:${tr.httpPort}/announce?${q}${noPeerId ? '&no_peer_id=1' : ''}`)).body;
    const d = decode(body) as BDict;
    assert.ok(Array.isArray(d.peers), 'peers is a list of dictionaries');
    const peers = d.peers as BDict[];
    assert.deepEqual(
      peers.map((p) => [new TextDecoder().decode(p.ip as Uint8Array), p.port]),
      [
        ['127.0.0.1', 6001],
        ['127.0.0.1', 6002],
      ],
    );
    assert.equal(peers.every((p) => p['peer id'] instanceof Uint8Array && (p['peer id'] as Uint8Array).length === 20), !noPeerId);
  }
});

test('bad numbers and peer ids reach the server as failure reasons; private mode refuses over UDP too; stats count them', async (t) => {
  const dir = tempDir(t);
  const allow = join(dir, 'allow.txt');
  writeFileSync(allow, `${'61'.repeat(20)}\n`);
  const tr = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', allowFile: allow });
  t.after(() => tr.close());
  const base = `http://127.0.0.1:${tr.httpPort}`;
  const ok = `info_hash=${'%61'.repeat(20)}&peer_id=${'d'.repeat(20)}&port=5`;
  const text = async (q: string) => new TextDecoder().decode((await nodeHttpGet.get(`${base}/announce?${q}`)).body);
  assert.match(await text(`info_hash=${'%61'.repeat(20)}&peer_id=short&port=5`), /failure reason.*peer_id/);
  assert.match(await text(`${ok}&left=-5`), /failure reason.*left must be a non-negative integer/);
  assert.match(await text(`${ok}&uploaded=99999999999999999999999`), /failure reason.*uploaded/);
  const udp = new UdpTrackerClient(udpDeps, `udp://127.0.0.1:${tr.udpPort}`, { retransmitBaseMs: 200, maxRetransmits: 2 });
  t.after(() => udp.close());
  const refused = await udp.announce(req(fromHex('62'.repeat(20)), 1, 0)).catch((e: unknown) => e);
  assert.ok(refused instanceof TrackerError && /not registered/.test(refused.reason), String(refused));
  const seeded = await udp.announce(req(fromHex('61'.repeat(20)), 1, 0));
  assert.equal(seeded.complete, 1);
  await new HttpTrackerClient({ http: nodeHttpGet }, `${base}/announce`).announce(req(fromHex('61'.repeat(20)), 2, 9));
  const stats = await json(`${base}/stats.json`);
  const errors = stats.errors as Record<string, number>;
  assert.equal(errors.BT_ERR_TRACKER_BAD_PEER_ID, 1, JSON.stringify(errors));
  assert.equal(errors.BT_ERR_TRACKER_BAD_NUMBER, 2, JSON.stringify(errors));
  assert.equal(errors.BT_ERR_TRACKER_NOT_ALLOWED, 1, JSON.stringify(errors));
  assert.deepEqual([stats.seeders, stats.leechers, stats.torrents], [1, 1, 1]);
  assert.ok(typeof stats.announcesPerSecond === 'number' && stats.announcesPerSecond > 0, `announces per second ${stats.announcesPerSecond}`);
  const html = new TextDecoder().decode((await nodeHttpGet.get(`${base}/stats`)).body);
  assert.match(html, /<th>seeders<\/th><td>1<\/td>/);
  assert.match(html, /<th>leechers<\/th><td>1<\/td>/);
  assert.match(html, /<th>announces per second \(last minute\)<\/th><td>[1-9]/);
  assert.match(html, /TK0100/, 'clients listed');
});

test('IPv6 peers leave in peers6 over HTTP (BEP 7) and stay out of an IPv4 UDP answer (BEP 15)', async (t) => {
  const tr = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', trustProxy: true });
  t.after(() => tr.close());
  const base = `http://127.0.0.1:${tr.httpPort}/announce`;
  const http = new HttpTrackerClient({ http: nodeHttpGet }, base);
  const udp = new UdpTrackerClient(udpDeps, `udp://127.0.0.1:${tr.udpPort}`, { retransmitBaseMs: 200, maxRetransmits: 2 });
  t.after(() => udp.close());
  const hash = fromHex('66'.repeat(20));
  // Two seeders behind the trusted proxy: one IPv6, one IPv4, then an IPv4 seeder direct.
  for (const [n, ip] of [
    [7, '2001:db8::7'],
    [8, '10.8.8.8'],
  ] as const) {
    const q = `info_hash=${'%66'.repeat(20)}&peer_id=${String(n).repeat(20)}&port=${7000 + n}&left=0&compact=1`;
    await nodeHttpGet.get(`${base}?${q}`, { headers: { 'X-Forwarded-For': ip } });
  }
  await http.announce(req(hash, 1, 0));
  const viaHttp = await http.announce(req(hash, 2, 100));
  assert.deepEqual(
    viaHttp.peers.map((p) => `${p.ip} ${p.port}`).sort(),
    ['10.8.8.8 7008', '127.0.0.1 6001', '2001:db8::7 7007'],
  );
  const viaUdp = await udp.announce(req(hash, 3, 100));
  assert.deepEqual(viaUdp.peers.map((p) => `${p.ip} ${p.port}`).sort(), ['10.8.8.8 7008', '127.0.0.1 6001', '127.0.0.1 6002']);
});
