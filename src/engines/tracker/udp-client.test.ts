/** BEP 15 client timing on a virtual clock: retransmission at 15 * 2^n s and the 1-minute connection id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { decodeUdpRequest, encodeUdpAnnounceResponse, encodeUdpConnectResponse, encodeUdpError } from '../../codecs/tracker/udp.js';
import type { DatagramAddress, DatagramFactory, DatagramSocket } from '../../ports/datagram.js';
import { UdpTrackerClient, parseUdpUrl } from './udp-client.js';

/** A fake socket: records what was sent and lets the test answer. */
function fakeNet() {
  const sent: { at: number; data: Uint8Array }[] = [];
  let deliver: (d: Uint8Array, from: DatagramAddress) => void = () => {};
  const clock = new VirtualClock();
  const socket: DatagramSocket = {
    send: (data) => sent.push({ at: clock.now(), data }),
    onMessage: (h) => {
      deliver = h;
    },
    onError: () => {},
    address: () => ({ address: '127.0.0.1', port: 5555, family: 'IPv4' }),
    close: async () => {},
  };
  const datagrams: DatagramFactory = { bind: async () => socket };
  const answer = (d: Uint8Array) => deliver(d, { address: '127.0.0.1', port: 6969, family: 'IPv4' });
  return { sent, clock, datagrams, answer };
}

const tick = () => new Promise((r) => setImmediate(r));
const announceReq = { infoHash: new Uint8Array(20), peerId: new Uint8Array(20), port: 1, uploaded: 0, downloaded: 0, left: 0, event: undefined, numwant: 5, key: 1 };

test('retransmits after 15, 30, 60 s ... and gives up after n = 8', async () => {
  const net = fakeNet();
  const c = new UdpTrackerClient({ clock: net.clock, rng: new SeededRng(1), datagrams: net.datagrams }, 'udp://127.0.0.1:6969/announce');
  const p = c.announce(announceReq).catch((e: Error & { code?: string }) => e.code);
  await tick();
  for (let i = 0; i < 12; i++) {
    net.clock.advance(15_000 * 2 ** 8);
    await tick();
  }
  assert.equal(await p, 'BT_ERR_TRACKER_TIMEOUT');
  const times = net.sent.map((s) => s.at / 1000);
  assert.deepEqual(times, [0, 15, 45, 105, 225, 465, 945, 1905, 3825]);
});

test('reuses a connection id for one minute, then reconnects; error action becomes a failure', async () => {
  const net = fakeNet();
  const c = new UdpTrackerClient({ clock: net.clock, rng: new SeededRng(2), datagrams: net.datagrams }, 'udp://127.0.0.1:6969');
  const cid = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
  const respond = async () => {
    await tick();
    const last = decodeUdpRequest(net.sent[net.sent.length - 1].data);
    if (last.action === 'connect') net.answer(encodeUdpConnectResponse(last.transactionId, cid));
    else net.answer(encodeUdpAnnounceResponse(last.transactionId, 900, 1, 2, Uint8Array.from([127, 0, 0, 9, 0, 80])));
  };
  const run = async () => {
    const p = c.announce(announceReq);
    await respond();
    await tick();
    if (decodeUdpRequest(net.sent[net.sent.length - 1].data).action === 'announce') await respond();
    return p;
  };
  const r = await run();
  assert.deepEqual(r.peers, [{ ip: '127.0.0.9', port: 80 }]);
  assert.equal(r.complete, 2);
  assert.equal(r.incomplete, 1);
  assert.equal(net.sent.length, 2);
  net.clock.advance(30_000);
  const p2 = c.announce(announceReq);
  await respond();
  await p2;
  assert.equal(net.sent.length, 3, 'no new connect within a minute');
  net.clock.advance(61_000);
  await run();
  assert.equal(decodeUdpRequest(net.sent[3].data).action, 'connect', 'reconnects after a minute');
  const p3 = c.announce(announceReq).catch((e: Error & { code?: string; reason?: string }) => `${e.code} ${e.reason}`);
  await tick();
  const last = decodeUdpRequest(net.sent[net.sent.length - 1].data);
  net.answer(encodeUdpError(last.transactionId, 'torrent not registered'));
  assert.equal(await p3, 'BT_ERR_TRACKER_FAILURE torrent not registered');
  c.close();
});

test('udp URLs', () => {
  assert.deepEqual(parseUdpUrl('udp://tracker.example:1337/announce'), { host: 'tracker.example', port: 1337 });
  assert.deepEqual(parseUdpUrl('udp://[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseUdpUrl('udp://x'), { code: 'BT_ERR_TRACKER_BAD_URL' });
});
