/**
 * A simulated DHT of 1,000 nodes on a virtual clock and a simulated UDP network (10-80 ms
 * one-way latency, seeded). Checks that lookups find the k closest nodes and the announced peers
 * in at least 99% of cases, reports hop counts and queries, then lets 20% of the nodes leave
 * and checks that lookups still succeed. Replay a run with DHT_SIM_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../src/adapters/testing/seeded-rng.js';
import { SimNetwork } from '../../src/adapters/testing/sim-datagram.js';
import { VirtualClock } from '../../src/adapters/testing/virtual-clock.js';
import { DhtNode, type LookupResult } from '../../src/engines/dht/index.js';
import { compareDistance } from '../../src/policies/dht/distance.js';
import { equalBytes, toHex } from '../../src/util/bytes.js';

const SEED = Number(process.env.DHT_SIM_SEED ?? 20261121);
const NODES = 1000;
const K = 8;

interface Sim {
  clock: VirtualClock;
  rng: SeededRng;
  net: SimNetwork;
  nodes: DhtNode[];
  live: Set<DhtNode>;
}

/** Advances virtual time in small steps, letting promise continuations run between steps. */
async function runUntil(clock: VirtualClock, done: () => boolean, maxMs: number, stepMs = 5): Promise<void> {
  const end = clock.now() + maxMs;
  while (!done()) {
    if (clock.now() >= end) throw new Error(`simulation did not settle within ${maxMs} virtual ms (seed ${SEED})`);
    clock.advance(stepMs);
    await new Promise((r) => setImmediate(r));
  }
}

async function settle<T>(clock: VirtualClock, promises: Promise<T>[], maxMs: number): Promise<T[]> {
  let finished = 0;
  const results = promises.map((p) => p.finally(() => finished++));
  await runUntil(clock, () => finished === promises.length, maxMs);
  return Promise.all(results);
}

async function build(): Promise<Sim> {
  const clock = new VirtualClock();
  const rng = new SeededRng(SEED);
  const net = new SimNetwork(clock, rng, { minLatencyMs: 10, maxLatencyMs: 80 });
  const address = (i: number) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  const nodes: DhtNode[] = [];
  for (let i = 0; i < NODES; i++) {
    nodes.push(
      new DhtNode(
        { datagrams: net, clock, rng },
        {
          address: address(i + 1),
          port: 6881,
          // Each node bootstraps from one of the first nodes, as real clients use a few routers.
          bootstrap: i === 0 ? [] : [{ host: address(1 + rng.int(Math.min(i, 5))), port: 6881 }],
          maintenanceIntervalMs: 60_000,
          rateLimit: { perSecond: 1000, burst: 1000 },
        },
      ),
    );
  }
  // Nodes join in waves of 50, each wave bootstrapping while the next waits.
  for (let i = 0; i < NODES; i += 50) await settle(clock, nodes.slice(i, i + 50).map((n) => n.start()), 60_000);
  // Let a few maintenance rounds run (bucket refresh, pings).
  const until = clock.now() + 3 * 60_000;
  await runUntil(clock, () => clock.now() >= until, 4 * 60_000, 50);
  return { clock, rng, net, nodes, live: new Set(nodes) };
}

function pickLive(sim: Sim): DhtNode {
  const live = [...sim.live];
  return live[sim.rng.int(live.length)];
}

function trueClosest(sim: Sim, target: Uint8Array): Uint8Array[] {
  return [...sim.live]
    .map((n) => n.id)
    .sort((a, b) => compareDistance(a, b, target))
    .slice(0, K);
}

interface Tally {
  lookups: number;
  foundClosest: number;
  overlap: number;
  foundPeer: number;
  hops: number[];
  queries: number[];
  durations: number[];
}

function tally(): Tally {
  return { lookups: 0, foundClosest: 0, overlap: 0, foundPeer: 0, hops: [], queries: [], durations: [] };
}

function record(t: Tally, sim: Sim, r: LookupResult, expectPeer?: { address: string; port: number }): void {
  t.lookups++;
  const want = trueClosest(sim, r.target);
  const got = r.closest.map((n) => n.id);
  if (got.length > 0 && equalBytes(got[0], want[0])) t.foundClosest++;
  t.overlap += want.filter((w) => got.some((g) => equalBytes(g, w))).length / K;
  if (expectPeer && r.peers.some((p) => p.address === expectPeer.address && p.port === expectPeer.port)) t.foundPeer++;
  t.hops.push(r.hops);
  t.queries.push(r.queries);
  t.durations.push(r.durationMs);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function summary(name: string, t: Tally, peers: number): string {
  return (
    `${name}: ${t.lookups} lookups, closest node found ${((100 * t.foundClosest) / t.lookups).toFixed(1)}%, ` +
    `k-closest overlap ${((100 * t.overlap) / t.lookups).toFixed(1)}%, ` +
    (peers > 0 ? `peers found ${((100 * t.foundPeer) / peers).toFixed(1)}% of ${peers}, ` : '') +
    `hops mean ${mean(t.hops).toFixed(2)} max ${Math.max(...t.hops)}, ` +
    `queries median ${median(t.queries)}, time median ${median(t.durations).toFixed(0)} ms (virtual)`
  );
}

async function announceAndFind(sim: Sim, count: number): Promise<{ findNode: Tally; getPeers: Tally; infoHashes: { ih: Uint8Array; peer: { address: string; port: number } }[] }> {
  const infoHashes = Array.from({ length: count }, () => {
    const node = pickLive(sim);
    return { ih: sim.rng.bytes(20), node, peer: { address: node.address().address, port: 10_000 + sim.rng.int(50_000) } };
  });
  const acks = await settle(sim.clock, infoHashes.map((x) => x.node.announce(x.ih, x.peer.port)), 120_000);
  assert.ok(acks.every((a) => a.acknowledged >= K / 2), `announces reached the closest nodes (seed ${SEED})`);
  const getPeers = tally();
  const gp = await settle(sim.clock, infoHashes.map((x) => pickLive(sim).lookupPeers(x.ih)), 120_000);
  gp.forEach((r, i) => record(getPeers, sim, r, infoHashes[i].peer));
  const findNode = tally();
  const fn = await settle(sim.clock, infoHashes.map(() => pickLive(sim).findNode(sim.rng.bytes(20))), 120_000);
  for (const r of fn) record(findNode, sim, r);
  return { findNode, getPeers, infoHashes: infoHashes.map(({ ih, peer }) => ({ ih, peer })) };
}

test(`DHT simulation: ${NODES} nodes, lookups before and after 20% churn (seed ${SEED})`, async () => {
  console.log(`# dht simulation seed ${SEED} (replay with DHT_SIM_SEED=${SEED})`);
  const sim = await build();
  const sizes = sim.nodes.map((n) => n.stats().nodes);
  console.log(`# routing tables: median ${median(sizes)} nodes, min ${Math.min(...sizes)}; datagrams so far ${sim.net.stats.sent}`);

  const before = await announceAndFind(sim, 200);
  console.log(`# before churn, find_node ${summary('', before.findNode, 0).slice(2)}`);
  console.log(`# before churn, get_peers ${summary('', before.getPeers, 200).slice(2)}`);
  assert.ok(before.findNode.foundClosest / before.findNode.lookups >= 0.99, `find_node found the closest node (seed ${SEED})`);
  assert.ok(before.findNode.overlap / before.findNode.lookups >= 0.99, `find_node found the k closest (seed ${SEED})`);
  assert.ok(before.getPeers.foundPeer / before.getPeers.lookups >= 0.99, `get_peers found the announced peer (seed ${SEED})`);

  // 20% of the nodes leave at once, mid-run, without a word.
  const leaving = [...sim.live].filter(() => sim.rng.random() < 0.2).slice(0, NODES / 5);
  for (const n of leaving) {
    sim.net.depart(n.address().address);
    sim.live.delete(n);
    await n.close();
  }
  console.log(`# ${leaving.length} nodes left`);

  // Peers announced before the churn are still found; fresh announces and lookups work too.
  const old = tally();
  const oldResults = await settle(sim.clock, before.infoHashes.map((x) => pickLive(sim).lookupPeers(x.ih)), 120_000);
  oldResults.forEach((r, i) => record(old, sim, r, before.infoHashes[i].peer));
  console.log(`# after churn, get_peers of earlier announces ${summary('', old, 200).slice(2)}`);
  const after = await announceAndFind(sim, 200);
  console.log(`# after churn, find_node ${summary('', after.findNode, 0).slice(2)}`);
  console.log(`# after churn, get_peers ${summary('', after.getPeers, 200).slice(2)}`);
  assert.ok(old.foundPeer / old.lookups >= 0.99, `earlier announces still found after churn (seed ${SEED})`);
  assert.ok(after.findNode.foundClosest / after.findNode.lookups >= 0.99, `find_node after churn (seed ${SEED})`);
  assert.ok(after.getPeers.foundPeer / after.getPeers.lookups >= 0.99, `get_peers after churn (seed ${SEED})`);
  // Dead nodes cost a slow deadline, not a full timeout: lookups stay well under the 2 s timeout.
  assert.ok(median(old.durations) < 2000, `median lookup after churn ${median(old.durations)} ms (seed ${SEED})`);

  await Promise.all(sim.nodes.map((n) => n.close()));
  console.log(`# total datagrams ${sim.net.stats.sent}, dropped ${sim.net.stats.dropped}; ids e.g. ${toHex(sim.nodes[0].id).slice(0, 8)}`);
});
