/**
 * LSD over the simulated network's multicast groups (the real multicast adapter is exercised in
 * test/interop/lsd-multicast.test.ts inside a loopback-only network namespace).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { SimNetwork } from '../../adapters/testing/sim-datagram.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import { decodeLsdAnnounce, LSD_IPV4_GROUP, LSD_PORT } from '../../codecs/lsd/lsd.js';
import { toHex } from '../../util/bytes.js';
import { LSD_ANNOUNCE_INTERVAL_MS, LsdService } from './lsd-service.js';

async function setup(n: number) {
  const clock = new VirtualClock();
  const rng = new SeededRng(14);
  const net = new SimNetwork(clock, rng, { minLatencyMs: 1, maxLatencyMs: 2 });
  const sent: { from: string; hashes: string[] }[] = [];
  const services: LsdService[] = [];
  for (let i = 0; i < n; i++) {
    const socket = await net.bind({ address: `127.0.0.${i + 1}`, port: LSD_PORT });
    net.joinMulticast(socket, LSD_IPV4_GROUP);
    const send = socket.send.bind(socket);
    socket.send = (data, port, address) => {
      sent.push({ from: `127.0.0.${i + 1}`, hashes: decodeLsdAnnounce(data).infoHashes.map(toHex) });
      send(data, port, address);
    };
    const s = new LsdService({ socket, clock, rng }, { port: 7000 + i });
    s.start();
    services.push(s);
  }
  return { clock, rng, services, sent };
}

test('peers in the same swarm discover each other; others and our own echo are ignored', async () => {
  const { clock, services } = await setup(3);
  const ih = new Uint8Array(20).fill(1);
  const other = new Uint8Array(20).fill(2);
  const heard: string[][] = [[], [], []];
  services.forEach((s, i) => s.on('peer', (h, p) => heard[i].push(`${toHex(h).slice(0, 4)} ${p.address}:${p.port}`)));
  services[0].add(ih);
  services[1].add(ih);
  services[2].add(other);
  clock.advance(100);
  assert.deepEqual(heard[0], ['0101 127.0.0.2:7001']);
  assert.deepEqual(heard[1], ['0101 127.0.0.1:7000']);
  assert.deepEqual(heard[2], [], 'not our swarm');
  services.forEach((s) => s.close());
});

test('each hash is re-announced every 5 minutes, never more than one packet a minute', async () => {
  const { clock, rng, services, sent } = await setup(1);
  const hashes = Array.from({ length: 40 }, () => rng.bytes(20));
  for (const h of hashes) services[0].add(h);
  clock.advance(LSD_ANNOUNCE_INTERVAL_MS * 3);
  const times = sent.length;
  assert.ok(times <= 15 + 1, `${times} packets in 15 minutes`);
  const counts = new Map<string, number>();
  for (const s of sent) for (const h of s.hashes) counts.set(h, (counts.get(h) ?? 0) + 1);
  assert.equal(counts.size, 40, 'every hash announced (round-robin beyond one packet)');
  for (const c of counts.values()) assert.ok(c >= 2 && c <= 4, `announced ${c} times in 15 minutes`);
  services[0].remove(hashes[0]);
  sent.length = 0;
  clock.advance(LSD_ANNOUNCE_INTERVAL_MS * 2);
  assert.ok(sent.every((s) => !s.hashes.includes(toHex(hashes[0]))), 'removed hashes are no longer announced');
  services[0].close();
});
