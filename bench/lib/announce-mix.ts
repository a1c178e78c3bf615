/**
 * The announce mix every tracker in the bench receives, over HTTP (wrk) and UDP (udp-load.ts)
 * alike: peer i of `peers` always announces in the same swarm (`swarmOf`), so swarms keep their
 * sizes however long a run lasts. Swarm sizes follow a power law, as on public trackers where a
 * few popular torrents hold most peers: the swarm of rank k holds about peers / (k * H) of them
 * (H the harmonic number of the swarm count), every swarm at least one; with 100,000 peers in
 * 10,000 swarms the largest has about 10,000 peers and half of the announces go to the 73 largest
 * swarms, whose answers carry a full numwant of peers. A third of the peers are seeders; 10% of announces are `started`,
 * 3% `completed` (sent with left = 0), the rest regular; numwant 50; compact. Peer ids look like
 * real clients' (BEP 20 Azureus-style prefixes of five common clients, then 12 bytes that are
 * not all printable, as uTorrent's are). A fixed seed makes every run send the same requests.
 */
import { percentEncodeBytes } from '../../src/codecs/tracker/query.js';
import { sha1 } from '../../src/util/sha.js';

export type MixEvent = 'started' | 'completed' | undefined;

export interface MixAnnounce {
  peer: number;
  infoHash: Uint8Array;
  peerId: Uint8Array;
  port: number;
  left: number;
  event: MixEvent;
  numwant: number;
}

const PREFIXES = ['-qB4650-', '-TR4060-', '-lt20A0-', '-UT3550-', '-DE2110-'];

/** A small deterministic generator (mulberry32): the bench replays the same mix each run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mixPeerId(peer: number): Uint8Array {
  const id = new Uint8Array(20);
  id.set(new TextEncoder().encode(PREFIXES[peer % PREFIXES.length]));
  id.set(sha1(new TextEncoder().encode(`peer ${peer}`)).subarray(0, 12), 8);
  return id;
}

const layouts = new Map<string, Uint32Array>();

/**
 * The swarm (index into the hashes) peer `peer` of `peers` announces in: swarm k holds a share of
 * the peers proportional to 1 / (k + 1), at least one, in contiguous ranges of peer numbers.
 */
export function swarmOf(peer: number, peers: number, swarms: number): number {
  const key = `${peers}/${swarms}`;
  let ends = layouts.get(key);
  if (!ends) {
    // ends[k]: one past the last peer of swarm k.
    ends = new Uint32Array(swarms);
    let h = 0;
    for (let k = 1; k <= swarms; k++) h += 1 / k;
    let end = 0;
    for (let k = 0; k < swarms; k++) {
      const left = peers - end;
      const size = k === swarms - 1 ? left : Math.max(1, Math.min(left - (swarms - 1 - k), Math.round(peers / ((k + 1) * h))));
      end += size;
      ends[k] = end;
    }
    layouts.set(key, ends);
  }
  let lo = 0;
  let hi = swarms - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] > peer) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `count` announces drawn at random (seeded) from the mix. */
export function announceMix(hashes: readonly Uint8Array[], peers: number, count: number, seed: number): MixAnnounce[] {
  const rnd = seeded(seed);
  const out: MixAnnounce[] = [];
  for (let j = 0; j < count; j++) {
    const peer = Math.floor(rnd() * peers);
    const r = rnd();
    const event: MixEvent = r < 0.1 ? 'started' : r < 0.13 ? 'completed' : undefined;
    const seeder = peer % 3 === 0 || event === 'completed';
    out.push({
      peer,
      infoHash: hashes[swarmOf(peer, peers, hashes.length)],
      peerId: mixPeerId(peer),
      port: 1025 + (peer % 60000),
      left: seeder ? 0 : 1_000_000,
      event,
      numwant: 50,
    });
  }
  return out;
}

/** The HTTP announce path and query of one mix entry. */
export function announcePath(a: MixAnnounce): string {
  return (
    `/announce?info_hash=${percentEncodeBytes(a.infoHash)}&peer_id=${percentEncodeBytes(a.peerId)}&port=${a.port}` +
    `&uploaded=0&downloaded=0&left=${a.left}&compact=1&numwant=${a.numwant}${a.event ? `&event=${a.event}` : ''}`
  );
}
