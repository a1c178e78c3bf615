/**
 * Hostile input over the network: thousands of random and mutated UDP datagrams, raw HTTP
 * garbage and WebSocket junk. The tracker answers what it can, counts every rejection, and still
 * serves a valid announce afterwards. Seeded (FUZZ_SEED) so a failure replays.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { SeededRng } from '../../src/adapters/testing/seeded-rng.js';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/codecs/tracker/udp.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { fromHex } from '../../src/util/bytes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 99);

test(`garbage over UDP, HTTP and WebSocket never takes the tracker down (seed ${SEED})`, async (t) => {
  const tr = await startTracker({ httpPort: 0, udpPort: 0, ws: true, store: 'memory:' });
  t.after(() => tr.close());
  const r = new SeededRng(SEED);
  const sock = createSocket('udp4');
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  t.after(() => sock.close());
  let replies = 0;
  sock.on('message', () => replies++);
  const valid = encodeUdpAnnounceRequest({ connectionId: r.bytes(8), transactionId: 1, infoHash: r.bytes(20), peerId: r.bytes(20), downloaded: 0, left: 0, uploaded: 0, event: 'started', key: 0, numwant: 10, port: 1 });
  for (let i = 0; i < 3000; i++) {
    let p: Uint8Array;
    if (i % 3 === 0) p = r.bytes(r.int(200));
    else {
      p = (i % 3 === 1 ? valid : encodeUdpConnectRequest(i)).slice();
      for (let k = 0; k < 1 + r.int(4); k++) p[r.int(p.length)] = r.int(256);
      if (r.int(4) === 0) p = p.subarray(0, r.int(p.length));
    }
    sock.send(p, tr.udpPort!, '127.0.0.1');
    // Paced so the kernel's receive buffer does not drop what the tracker should count.
    if (i % 20 === 0) await new Promise((res) => setTimeout(res, 1));
  }
  // Raw HTTP garbage on a few connections.
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((res) => {
      const s = connect(tr.httpPort!, '127.0.0.1', () => s.end(Buffer.from(r.bytes(50 + r.int(500)))));
      s.on('error', () => res());
      s.on('close', () => res());
      s.resume();
    });
  }
  // WebSocket junk.
  const ws = new WebSocket(`ws://127.0.0.1:${tr.httpPort}`);
  await new Promise<void>((res, rej) => {
    ws.on('open', () => res());
    ws.on('error', rej);
  });
  const answers: string[] = [];
  ws.on('message', (d) => answers.push(d.toString()));
  for (const junk of ['{', '[]', '{"action":"announce"}', JSON.stringify({ action: 'announce', info_hash: 'x'.repeat(20), peer_id: 'y'.repeat(20), offers: 'no' })]) ws.send(junk);
  ws.send(Buffer.from([1, 2, 3]));
  for (let i = 0; i < 50 && answers.length < 4; i++) await new Promise((res) => setTimeout(res, 20));
  ws.close();
  assert.equal(answers.length, 4);
  assert.ok(answers.every((a) => JSON.parse(a)['failure reason']));
  await new Promise((res) => setTimeout(res, 200));
  // Still alive and correct.
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${tr.httpPort}/announce`);
  const ok = await http.announce({ infoHash: fromHex('ab'.repeat(20)), peerId: new Uint8Array(20).fill(65), port: 5, uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 5, key: 1 });
  assert.equal(ok.complete, 1);
  const stats = JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tr.httpPort}/stats.json`)).body)) as { errors: Record<string, number> };
  const rejected = Object.values(stats.errors).reduce((a, b) => a + b, 0);
  assert.ok(rejected > 1200, `rejections counted: ${JSON.stringify(stats.errors)}`);
  assert.ok(replies > 500, `error actions and connect answers sent: ${replies}`);
  assert.ok((stats.errors.BT_ERR_TRACKER_HTTP_BAD_REQUEST ?? 0) >= 10, JSON.stringify(stats.errors));
  assert.ok((stats.errors.BT_ERR_TRACKER_WS_BAD_MESSAGE ?? 0) >= 3, JSON.stringify(stats.errors));
});
