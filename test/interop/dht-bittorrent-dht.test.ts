/**
 * Interop with WebTorrent's DHT (bittorrent-dht from npm) on loopback: a mixed network of
 * torrentkit and bittorrent-dht nodes, bootstrapped only to each other; each side announces and
 * finds the other's peer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import DHT from 'bittorrent-dht';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { DhtNode } from '../../src/engines/dht/index.js';

test('torrentkit and bittorrent-dht nodes share one DHT', async (t) => {
  const ours: DhtNode[] = [];
  const theirs: DHT[] = [];
  t.after(async () => {
    await Promise.all(ours.map((n) => n.close()));
    await Promise.all(theirs.map((d) => new Promise<void>((r) => d.destroy(() => r()))));
  });
  for (let i = 0; i < 6; i++) {
    const boot = ours[0] ? [{ host: '127.0.0.1', port: ours[0].address().port }] : [];
    const n = new DhtNode({ datagrams: nodeDatagrams, clock: systemClock, rng: cryptoRng }, { address: '127.0.0.1', port: 0, bootstrap: boot });
    await n.start();
    ours.push(n);
  }
  for (let i = 0; i < 6; i++) {
    const d = new DHT({ bootstrap: [`127.0.0.1:${ours[i].address().port}`] });
    d.on('error', () => {});
    d.on('warning', () => {});
    const ready = new Promise<void>((r) => d.once('ready', () => r()));
    d.listen(0, '127.0.0.3');
    await ready;
    theirs.push(d);
  }
  // Our nodes learn theirs by being queried and by looking up.
  await ours[1].findNode(cryptoRng.bytes(20));
  assert.ok(ours[0].nodes().some((n) => n.address === '127.0.0.3'), 'bittorrent-dht nodes entered our table');

  const ih1 = cryptoRng.bytes(20);
  const ann = await ours[2].announce(ih1, 31_111);
  assert.ok(ann.acknowledged >= 4);
  const seen = new Set<string>();
  const onPeer = (peer: { host: string; port: number }) => seen.add(`${peer.host}:${peer.port}`);
  theirs[3].on('peer', onPeer);
  await new Promise<void>((r) => theirs[3].lookup(Buffer.from(ih1), () => r()));
  assert.ok(seen.has('127.0.0.1:31111'), `bittorrent-dht found our peer: ${[...seen].join(' ')}`);

  const ih2 = cryptoRng.bytes(20);
  await new Promise<void>((resolve, reject) => theirs[4].announce(Buffer.from(ih2), 32_222, (err) => (err ? reject(err) : resolve())));
  const r = await ours[5].lookupPeers(ih2);
  assert.ok(
    r.peers.some((p) => p.address === '127.0.0.3' && p.port === 32_222),
    `torrentkit found bittorrent-dht's peer: ${r.peers.map((p) => `${p.address}:${p.port}`).join(' ')}`,
  );
});
