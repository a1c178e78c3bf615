/**
 * The DHT node on a small simulated network: RPCs, errors, tokens, implied_port, limits, the
 * async APIs and saving/loading the routing table. Raw queries are sent from a bare socket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { SimNetwork } from '../../adapters/testing/sim-datagram.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { encode } from '../../codecs/bencode/index.js';
import { decodeKrpc, encodeKrpc, type KrpcMessage } from '../../codecs/krpc/index.js';
import type { DatagramSocket } from '../../ports/datagram.js';
import { utf8Encode } from '../../util/bytes.js';
import { MemoryPeerStore } from './memory-peer-store.js';
import { DhtNode } from './node.js';
import { TOKEN_ROTATION_MS } from './tokens.js';
import type { DhtState } from './types.js';

async function pump(clock: VirtualClock, done: () => boolean, maxMs = 30_000): Promise<void> {
  const end = clock.now() + maxMs;
  while (!done()) {
    if (clock.now() >= end) throw new Error('did not settle');
    clock.advance(5);
    await new Promise((r) => setImmediate(r));
  }
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let finished = false;
  const q = p.finally(() => (finished = true));
  await pump(clock, () => finished);
  return q;
}

async function network(n: number, seed = 1, extra: Partial<ConstructorParameters<typeof DhtNode>[1]> = {}) {
  const clock = new VirtualClock();
  const rng = new SeededRng(seed);
  const net = new SimNetwork(clock, rng, { minLatencyMs: 5, maxLatencyMs: 20 });
  const nodes: DhtNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = new DhtNode(
      { datagrams: net, clock, rng },
      { address: `127.0.0.${i + 1}`, port: 6881, bootstrap: i === 0 ? [] : [{ host: '127.0.0.1', port: 6881 }], ...extra },
    );
    nodes.push(node);
    await settle(clock, node.start());
  }
  return { clock, rng, net, nodes };
}

/** A bare socket that sends raw queries and collects answers. */
async function raw(net: SimNetwork, address = '127.0.9.9') {
  const socket: DatagramSocket = await net.bind({ address, port: 0 });
  const inbox: { msg: KrpcMessage; bytes: Uint8Array }[] = [];
  socket.onMessage((bytes) => {
    const msg = decodeKrpc(bytes);
    if (msg.y !== 'q') inbox.push({ msg, bytes }); // the node may ping us back: ignore its queries
  });
  return { socket, inbox };
}

const ID = utf8Encode('abcdefghij0123456789');

test('ping, find_node and unknown methods are answered; the ip field reports our address', async () => {
  const { clock, net, nodes } = await network(3);
  const { socket, inbox } = await raw(net);
  const send = (m: KrpcMessage) => socket.send(encodeKrpc(m), 6881, '127.0.0.1');
  send({ y: 'q', t: utf8Encode('p1'), q: 'ping', id: ID });
  send({ y: 'q', t: utf8Encode('f1'), q: 'find_node', id: ID, target: nodes[2].id });
  send({ y: 'q', t: utf8Encode('u1'), q: 'unknown', method: 'vote', id: ID });
  socket.send(encode({ t: 'x1', y: 'q', q: 'find_node', a: { id: ID } }), 6881, '127.0.0.1');
  await pump(clock, () => inbox.length === 4);
  const byT = new Map(inbox.map((x) => [new TextDecoder().decode(x.msg.t), x.msg]));
  const pong = byT.get('p1')!;
  assert.ok(pong.y === 'r');
  assert.deepEqual(pong.id, nodes[0].id);
  assert.deepEqual(pong.ip, { address: '127.0.9.9', port: socket.address().port });
  const found = byT.get('f1')!;
  assert.ok(found.y === 'r' && found.nodes!.some((n) => n.port === 6881 && n.address === '127.0.0.3'));
  assert.equal(found.y === 'r' && found.nodes6, undefined, 'no IPv6 nodes unless asked for');
  const unknown = byT.get('u1')!;
  assert.ok(unknown.y === 'e' && unknown.number === 204);
  const bad = byT.get('x1')!;
  assert.ok(bad.y === 'e' && bad.number === 203);
  await Promise.all(nodes.map((n) => n.close()));
});

test('get_peers gives a token; announce_peer needs it, honours implied_port; tokens expire', async () => {
  const { clock, net, nodes } = await network(2);
  const { socket, inbox } = await raw(net);
  const ih = utf8Encode('mnopqrstuvwxyz123456');
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('g1'), q: 'get_peers', id: ID, infoHash: ih }), 6881, '127.0.0.1');
  await pump(clock, () => inbox.length === 1);
  const first = inbox[0].msg;
  assert.ok(first.y === 'r' && first.token && !first.values);
  const token = first.token;
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('a0'), q: 'announce_peer', id: ID, infoHash: ih, port: 1234, token: utf8Encode('forged'), impliedPort: false }), 6881, '127.0.0.1');
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('a1'), q: 'announce_peer', id: ID, infoHash: ih, port: 1234, token, impliedPort: false }), 6881, '127.0.0.1');
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('a2'), q: 'announce_peer', id: ID, infoHash: ih, port: 0, token, impliedPort: true }), 6881, '127.0.0.1');
  await pump(clock, () => inbox.length === 4);
  const forged = inbox.find((x) => new TextDecoder().decode(x.msg.t) === 'a0')!.msg;
  assert.ok(forged.y === 'e' && forged.number === 203);
  const peers = await settle(clock, nodes[1].lookupPeers(ih));
  const ports = peers.peers.map((p) => p.port).sort((a, b) => a - b);
  assert.deepEqual(ports, [1234, socket.address().port].sort((a, b) => a - b));
  assert.ok(peers.peers.every((p) => p.address === '127.0.9.9'));
  // A token from two rotations ago is refused.
  clock.advance(2 * TOKEN_ROTATION_MS + 1);
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('a3'), q: 'announce_peer', id: ID, infoHash: ih, port: 99, token, impliedPort: false }), 6881, '127.0.0.1');
  await pump(clock, () => inbox.length === 5);
  assert.ok(inbox[4].msg.y === 'e');
  await Promise.all(nodes.map((n) => n.close()));
});

test('answers stay small: values capped, nodes only for the families asked for', async () => {
  const store = new MemoryPeerStore();
  const clock = new VirtualClock();
  const rng = new SeededRng(3);
  const net = new SimNetwork(clock, rng);
  const node = new DhtNode({ datagrams: net, clock, rng, peerStore: store }, { address: '127.0.0.1', port: 6881, bootstrap: [], maxPeersReply: 50 });
  await settle(clock, node.start());
  const ih = utf8Encode('mnopqrstuvwxyz123456');
  for (let i = 0; i < 180; i++) store.add(ih, { address: `127.0.${i >> 8}.${i & 255}`, port: 1000 + i }, clock.now());
  const { socket, inbox } = await raw(net);
  const query = encodeKrpc({ y: 'q', t: utf8Encode('g1'), q: 'get_peers', id: ID, infoHash: ih });
  socket.send(query, 6881, '127.0.0.1');
  await pump(clock, () => inbox.length === 1);
  const reply = inbox[0];
  assert.ok(reply.msg.y === 'r' && reply.msg.values!.length === 50);
  assert.ok(reply.bytes.length <= 1024, `reply of ${reply.bytes.length} bytes`);
  await node.close();
});

test('queries beyond the per-address rate limit are dropped', async () => {
  const { clock, net, nodes } = await network(1, 4, { rateLimit: { perSecond: 10, burst: 20 } });
  const { socket, inbox } = await raw(net);
  for (let i = 0; i < 100; i++) socket.send(encodeKrpc({ y: 'q', t: new Uint8Array([i]), q: 'ping', id: ID }), 6881, '127.0.0.1');
  clock.advance(1000);
  await new Promise((r) => setImmediate(r));
  assert.ok(inbox.length >= 20 && inbox.length <= 22, `${inbox.length} answers`);
  assert.equal(nodes[0].stats().queriesDropped, 100 - inbox.length);
  await nodes[0].close();
});

test('getPeers yields announced peers; announce reaches the closest nodes; abort stops a lookup', async () => {
  const { clock, nodes } = await network(30, 5);
  const ih = new SeededRng(99).bytes(20);
  const ack = await settle(clock, nodes[7].announce(ih, 4000));
  assert.ok(ack.acknowledged >= 7, `${ack.acknowledged} acks`);
  const got: number[] = [];
  const it = nodes[20].getPeers(ih);
  const drained = (async () => {
    for await (const p of it) got.push(p.port);
  })();
  await settle(clock, drained);
  assert.deepEqual([...new Set(got)], [4000]);
  const controller = new AbortController();
  const pending = nodes[3].lookupPeers(ih, { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { code: 'BT_ERR_ABORTED' });
  await assert.rejects(nodes[3].findNode(ih, { signal: controller.signal }), { code: 'BT_ERR_ABORTED' });
  await Promise.all(nodes.map((n) => n.close()));
});

test('the routing table is saved on close and loaded on start', async () => {
  const { clock, rng, net, nodes } = await network(12, 6);
  let saved: DhtState | undefined;
  const storage = { load: async () => saved, save: async (s: DhtState) => void (saved = s) };
  const node = new DhtNode({ datagrams: net, clock, rng, storage }, { address: '127.0.1.1', port: 6881, bootstrap: [{ host: '127.0.0.1', port: 6881 }] });
  await settle(clock, node.start());
  const before = node.nodes().length;
  assert.ok(before >= 8);
  await node.close();
  assert.equal(saved!.nodes.length, before);
  const again = new DhtNode({ datagrams: net, clock, rng, storage }, { address: '127.0.1.1', port: 6881, bootstrap: [] });
  await settle(clock, again.start());
  assert.deepEqual(again.id, node.id, 'the id is kept');
  assert.ok(again.nodes().length >= before - 1, 'the table comes back without any bootstrap node');
  await again.close();
  await Promise.all(nodes.map((n) => n.close()));
});

test('a dead node costs a slow deadline, not a full timeout, and is replaced', async () => {
  const { clock, net, nodes } = await network(20, 8, { minSlowMs: 100, maxSlowMs: 300, timeoutMs: 2000 });
  for (const n of nodes.slice(10, 16)) net.depart(n.address().address);
  const target = new SeededRng(1).bytes(20);
  const r = await settle(clock, nodes[2].findNode(target));
  assert.ok(r.durationMs < 2000, `lookup took ${r.durationMs} ms`);
  assert.ok(r.closest.length >= 8);
  await Promise.all(nodes.map((n) => n.close()));
});

test('an IPv6 network (BEP 32): nodes6, want, 18-byte peers', async () => {
  const clock = new VirtualClock();
  const rng = new SeededRng(32);
  const net = new SimNetwork(clock, rng, { minLatencyMs: 5, maxLatencyMs: 20 });
  const nodes: DhtNode[] = [];
  for (let i = 0; i < 12; i++) {
    const n = new DhtNode({ datagrams: net, clock, rng }, { address: `fd00::${i + 1}`, port: 6881, bootstrap: i === 0 ? [] : [{ host: 'fd00::1', port: 6881 }] });
    nodes.push(n);
    await settle(clock, n.start());
  }
  const ih = rng.bytes(20);
  const ack = await settle(clock, nodes[4].announce(ih, 5555));
  assert.ok(ack.acknowledged >= 6);
  const found = await settle(clock, nodes[9].lookupPeers(ih));
  assert.deepEqual(found.peers, [{ address: 'fd00::5', port: 5555 }]);
  const { socket, inbox } = await raw(net, 'fd00::99');
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('f6'), q: 'find_node', id: ID, target: ih, want: ['n4', 'n6'] }), 6881, 'fd00::1');
  socket.send(encodeKrpc({ y: 'q', t: utf8Encode('f0'), q: 'find_node', id: ID, target: ih }), 6881, 'fd00::1');
  await pump(clock, () => inbox.length === 2);
  const both = inbox.find((x) => new TextDecoder().decode(x.msg.t) === 'f6')!.msg;
  assert.ok(both.y === 'r' && both.nodes!.length === 0 && both.nodes6!.length === 8, 'want n4+n6: both keys, IPv6 nodes only known');
  const plain = inbox.find((x) => new TextDecoder().decode(x.msg.t) === 'f0')!.msg;
  assert.ok(plain.y === 'r' && plain.nodes === undefined && plain.nodes6!.length === 8, 'no want: the querier\'s family');
  await Promise.all(nodes.map((n) => n.close()));
});

test('lookups on a node that is not started or is closed are refused with a code', async () => {
  const clock = new VirtualClock();
  const rng = new SeededRng(9);
  const net = new SimNetwork(clock, rng);
  const node = new DhtNode({ datagrams: net, clock, rng }, { address: '127.0.0.1', port: 6881, bootstrap: [] });
  await assert.rejects(node.findNode(rng.bytes(20)), { code: 'BT_ERR_DHT_NOT_STARTED' });
  await settle(clock, node.start());
  const r = await settle(clock, node.findNode(rng.bytes(20)));
  assert.equal(r.queries, 0, 'an empty table: nothing to ask');
  await node.close();
  await node.close();
  await assert.rejects(node.lookupPeers(rng.bytes(20)), { code: 'BT_ERR_DHT_CLOSED' });
  await assert.rejects(node.ping({ address: '127.0.0.2', port: 1 }), { code: 'BT_ERR_DHT_CLOSED' });
  await assert.rejects(node.getPeers(rng.bytes(20)).next(), { code: 'BT_ERR_DHT_CLOSED' });
});

test('lookups route around 5% datagram loss', async () => {
  const clock = new VirtualClock();
  const rng = new SeededRng(55);
  const net = new SimNetwork(clock, rng, { minLatencyMs: 5, maxLatencyMs: 40, loss: 0.05 });
  const nodes: DhtNode[] = [];
  for (let i = 0; i < 60; i++) {
    const n = new DhtNode({ datagrams: net, clock, rng }, { address: `127.0.2.${i + 1}`, port: 6881, bootstrap: i === 0 ? [] : [{ host: '127.0.2.1', port: 6881 }] });
    nodes.push(n);
    await settle(clock, n.start());
  }
  let found = 0;
  for (let i = 0; i < 20; i++) {
    const ih = rng.bytes(20);
    await settle(clock, nodes[rng.int(60)].announce(ih, 2000 + i));
    const r = await settle(clock, nodes[rng.int(60)].lookupPeers(ih));
    if (r.peers.some((p) => p.port === 2000 + i)) found++;
  }
  assert.ok(net.stats.dropped > 0, 'datagrams were lost');
  assert.ok(found >= 19, `${found} of 20 found`);
  await Promise.all(nodes.map((n) => n.close()));
});

test('bootstrap is retried with backoff while nobody has answered', async () => {
  const clock = new VirtualClock();
  const rng = new SeededRng(77);
  const net = new SimNetwork(clock, rng);
  const late = new DhtNode({ datagrams: net, clock, rng }, { address: '127.0.3.2', port: 6881, bootstrap: [{ host: '127.0.3.1', port: 6881 }] });
  await settle(clock, late.start());
  assert.equal(late.nodes().length, 0, 'the router is not up yet');
  const router = new DhtNode({ datagrams: net, clock, rng }, { address: '127.0.3.1', port: 6881, bootstrap: [] });
  await settle(clock, router.start());
  await pump(clock, () => late.nodes().length > 0, 60_000);
  assert.deepEqual(late.nodes()[0].address, '127.0.3.1');
  await Promise.all([late.close(), router.close()]);
});
