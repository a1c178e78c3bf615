/**
 * DHT on loopback UDP: a network of 500 nodes (addresses across 127.0.0.0/8), built once of
 * torrentkit nodes and once of bittorrent-dht nodes (npm), each bootstrapped only to its own
 * local nodes. Measures get_peers lookups of announced info hashes: time to completion, time to
 * the first peer, queries sent per lookup, hops (ours only; bittorrent-dht does not report them)
 * and success rate, before and after 20% of the nodes leave without a word.
 * Usage: npm run bench -- dht   (DHT_BENCH_NODES, DHT_BENCH_LOOKUPS override the sizes)
 */
import DHT from 'bittorrent-dht';
import { systemClock } from '../src/adapters/node/clock.js';
import { nodeDatagrams } from '../src/adapters/node/datagram.js';
import { cryptoRng } from '../src/adapters/node/rng.js';
import { SeededRng } from '../src/adapters/testing/seeded-rng.js';
import { DhtNode } from '../src/engines/dht/index.js';
import { printReport, type Row } from './lib/report.js';

const NODES = Number(process.env.DHT_BENCH_NODES ?? 500);
const LOOKUPS = Number(process.env.DHT_BENCH_LOOKUPS ?? 100);
const LOOKUPS_AFTER_CHURN = Number(process.env.DHT_BENCH_LOOKUPS_AFTER ?? 40);
const CONCURRENCY_AFTER_CHURN = 4;
const SEED = Number(process.env.DHT_BENCH_SEED ?? 7);

interface LookupStat {
  ms: number;
  firstPeerMs: number | undefined;
  found: boolean;
  queries: number;
  hops: number | undefined;
}

interface Impl {
  name: string;
  start(i: number, address: string, bootstrap: string[]): Promise<void>;
  port(i: number): number;
  announce(i: number, ih: Uint8Array, port: number): Promise<void>;
  lookup(i: number, ih: Uint8Array, wantPort: number): Promise<LookupStat>;
  leave(i: number): Promise<void>;
  closeAll(): Promise<void>;
}

const address = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

function ours(): Impl {
  const nodes: DhtNode[] = [];
  return {
    name: 'torrentkit',
    async start(i, addr, bootstrap) {
      const n = new DhtNode(
        { datagrams: nodeDatagrams, clock: systemClock, rng: cryptoRng },
        { address: addr, port: 0, bootstrap: bootstrap.map((b) => ({ host: b.split(':')[0], port: Number(b.split(':')[1]) })) },
      );
      nodes[i] = n;
      await n.start();
    },
    port: (i) => nodes[i].address().port,
    async announce(i, ih, port) {
      await nodes[i].announce(ih, port);
    },
    async lookup(i, ih, wantPort) {
      const t0 = performance.now();
      const q0 = nodes[i].stats().queriesSent;
      let firstPeerMs: number | undefined;
      const it = nodes[i].getPeers(ih);
      for (;;) {
        const next = await it.next();
        if (next.done) {
          return { ms: performance.now() - t0, firstPeerMs, found: firstPeerMs !== undefined, queries: nodes[i].stats().queriesSent - q0, hops: next.value.hops };
        }
        if (next.value.port === wantPort && firstPeerMs === undefined) firstPeerMs = performance.now() - t0;
      }
    },
    async leave(i) {
      await nodes[i].close();
    },
    async closeAll() {
      await Promise.all(nodes.map((n) => n.close()));
      nodes.length = 0;
    },
  };
}

function theirs(): Impl {
  const nodes: DHT[] = [];
  const sent = new Map<DHT, number>();
  return {
    name: 'bittorrent-dht',
    start(i, addr, bootstrap) {
      return new Promise((resolve) => {
        const d = new DHT({ bootstrap: bootstrap.length > 0 ? bootstrap : false });
        nodes[i] = d;
        sent.set(d, 0);
        const socket = d._rpc.socket;
        const query = socket.query.bind(socket);
        socket.query = (...args: unknown[]) => {
          sent.set(d, (sent.get(d) ?? 0) + 1);
          return query(...args);
        };
        d.on('error', () => {});
        d.on('warning', () => {});
        d.listen(0, addr, () => {
          if (bootstrap.length === 0) resolve();
        });
        if (bootstrap.length > 0) d.once('ready', () => resolve());
      });
    },
    port: (i) => nodes[i].address().port,
    announce(i, ih, port) {
      return new Promise((resolve, reject) => nodes[i].announce(Buffer.from(ih), port, (err) => (err ? reject(err) : resolve())));
    },
    lookup(i, ih, wantPort) {
      return new Promise((resolve) => {
        const d = nodes[i];
        const t0 = performance.now();
        const q0 = sent.get(d)!;
        let firstPeerMs: number | undefined;
        const onPeer = (peer: { port: number }, infoHash: Buffer) => {
          if (peer.port === wantPort && firstPeerMs === undefined && Buffer.from(ih).equals(infoHash)) firstPeerMs = performance.now() - t0;
        };
        d.on('peer', onPeer);
        d.lookup(Buffer.from(ih), () => {
          d.off('peer', onPeer);
          resolve({ ms: performance.now() - t0, firstPeerMs, found: firstPeerMs !== undefined, queries: sent.get(d)! - q0, hops: undefined });
        });
      });
    },
    leave(i) {
      return new Promise((resolve) => nodes[i].destroy(() => resolve()));
    },
    async closeAll() {
      await Promise.all(nodes.map((d) => new Promise<void>((r) => d.destroy(() => r()))));
      nodes.length = 0;
      sent.clear();
    },
  };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

interface Phase {
  ms: number;
  firstPeerMs: number;
  queries: number;
  hops: number;
  success: number;
}

function summarize(stats: LookupStat[]): Phase {
  return {
    ms: median(stats.map((s) => s.ms)),
    firstPeerMs: median(stats.filter((s) => s.firstPeerMs !== undefined).map((s) => s.firstPeerMs!)),
    queries: mean(stats.map((s) => s.queries)),
    hops: mean(stats.filter((s) => s.hops !== undefined).map((s) => s.hops!)),
    success: (100 * stats.filter((s) => s.found).length) / stats.length,
  };
}

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function measure(impl: Impl): Promise<{ before: Phase; after: Phase; buildMs: number; heapMiB: number }> {
  const rng = new SeededRng(SEED);
  const t0 = performance.now();
  await impl.start(0, address(0), []);
  for (let i = 1; i < NODES; i += 50) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(NODES, i + 50); j++) {
      const boots = [0, 1, 2, 3, 4].filter((b) => b < i).slice(0, 3).map((b) => `${address(b)}:${impl.port(b)}`);
      batch.push(impl.start(j, address(j), boots));
    }
    await Promise.all(batch);
  }
  const buildMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const hashes = Array.from({ length: LOOKUPS }, () => ({ ih: rng.bytes(20), by: rng.int(NODES), port: 10_000 + rng.int(50_000) }));
  for (let i = 0; i < hashes.length; i += 10) {
    await Promise.all(hashes.slice(i, i + 10).map((h) => impl.announce(h.by, h.ih, h.port)));
  }
  const heapBuilt = heapMiB();
  const before: LookupStat[] = [];
  for (const h of hashes) before.push(await impl.lookup(rng.int(NODES), h.ih, h.port));
  // 20% of the nodes leave; lookups start from the others.
  const gone = new Set<number>();
  while (gone.size < NODES / 5) gone.add(rng.int(NODES));
  await Promise.all([...gone].map((i) => impl.leave(i)));
  const alive = Array.from({ length: NODES }, (_, i) => i).filter((i) => !gone.has(i));
  const after: LookupStat[] = [];
  const queue = hashes.slice(0, LOOKUPS_AFTER_CHURN);
  await Promise.all(
    Array.from({ length: CONCURRENCY_AFTER_CHURN }, async () => {
      for (let h = queue.shift(); h; h = queue.shift()) after.push(await impl.lookup(alive[rng.int(alive.length)], h.ih, h.port));
    }),
  );
  await impl.closeAll();
  // What the network held: the heap after building it minus the heap once it is closed and
  // collected (a baseline taken before building would still hold the previous run's garbage).
  await new Promise((r) => setTimeout(r, 500));
  const heap = heapBuilt - heapMiB();
  return { before: summarize(before), after: summarize(after), buildMs, heapMiB: heap };
}

const a = await measure(ours());
console.log(`torrentkit: built ${NODES} nodes in ${a.buildMs.toFixed(0)} ms`);
const b = await measure(theirs());
console.log(`bittorrent-dht: built ${NODES} nodes in ${b.buildMs.toFixed(0)} ms`);

const rows: Row[] = [
  { metric: `JS heap of ${NODES} nodes with ${LOOKUPS} announces`, unit: 'MiB', ours: a.heapMiB, anchor: 'bittorrent-dht', theirs: b.heapMiB, higherIsBetter: false },
];
for (const [label, x, y] of [
  ['before churn', a.before, b.before],
  ['after 20% churn', a.after, b.after],
] as const) {
  rows.push(
    { metric: `get_peers success, ${label}`, unit: '%', ours: x.success, anchor: 'bittorrent-dht', theirs: y.success, higherIsBetter: true },
    {
      metric: `get_peers lookup time (median), ${label}`,
      unit: 'ms',
      ours: x.ms,
      anchor: 'bittorrent-dht',
      theirs: y.ms,
      higherIsBetter: false,
      ...(label === 'after 20% churn' ? { goal: { ratio: 4, text: '<= 1/4 of its time' } } : {}),
    },
    { metric: `time to first peer (median), ${label}`, unit: 'ms', ours: x.firstPeerMs, anchor: 'bittorrent-dht', theirs: y.firstPeerMs, higherIsBetter: false },
    {
      metric: `queries per lookup (mean), ${label}`,
      unit: 'queries',
      ours: x.queries,
      anchor: 'bittorrent-dht',
      theirs: y.queries,
      higherIsBetter: false,
      goal: { ratio: 2, text: '<= 1/2 of its queries' },
    },
    { metric: `hops (mean), ${label}`, unit: 'hops', ours: x.hops, anchor: 'bittorrent-dht', theirs: undefined, higherIsBetter: false },
  );
}
printReport(`DHT: ${NODES} nodes on loopback UDP, ${LOOKUPS} lookups before / ${LOOKUPS_AFTER_CHURN} after churn`, rows);
