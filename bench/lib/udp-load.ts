/**
 * A bounded UDP tracker load generator (BEP 15) sending the bench's announce mix (announce-mix.ts)
 * in a closed loop: `window` requests in flight on one socket, each answer triggers the next, for
 * `durationMs` — the throughput at saturation; its latency includes the queue the window itself
 * builds. (Latency at a fixed offered load is open-loop.c's job.)
 * Every answer is checked: an announce response (action 1, 20 + 6n bytes, interval > 0) for the
 * right transaction; error actions, malformed answers and lost requests are counted, not timed.
 * Connection ids are fetched once per socket and refreshed every 50 s. Also used to fill a tracker
 * with a fixed set of peers (`fill`).
 */
import { createSocket } from 'node:dgram';
import { decodeUdpResponse, encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/codecs/tracker/udp.js';
import { announceMix, type MixAnnounce, mixPeerId, swarmOf } from './announce-mix.js';

export interface UdpLoadResult {
  /** Successful announces. */
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Error actions and malformed or unexpected answers. */
  errors: number;
  /** Requests never answered within a second (replaced by the top-up). */
  lost: number;
  /** The first error message seen, for the report. */
  sample: string;
}

const RING = 8192;
const LOST_AFTER_MS = 1000;
const MAX_LATENCIES = 4_000_000;
/** Most requests in flight (a power of two): more than a second of the fastest tracker's rate. */
const SLOTS = 1 << 17;

/** Send times of the requests in flight, in slots indexed by transaction id (ids are sequential). */
class Pending {
  private readonly ids = new Uint32Array(SLOTS);
  private readonly at = new Float64Array(SLOTS);
  size = 0;

  /** Records a request; returns 1 when it overwrote one still in flight (counted as lost). */
  set(tid: number, at: number): number {
    const k = tid & (SLOTS - 1);
    const overwritten = this.ids[k] !== 0 ? 1 : 0;
    if (!overwritten) this.size++;
    this.ids[k] = tid;
    this.at[k] = at;
    return overwritten;
  }

  /** The send time of request `tid`, which is no longer in flight; undefined if unknown. */
  take(tid: number): number | undefined {
    const k = tid & (SLOTS - 1);
    if (tid <= 0 || this.ids[k] !== tid) return undefined;
    this.ids[k] = 0;
    this.size--;
    return this.at[k];
  }

  /** Drops the requests sent before `before`; returns how many. */
  expire(before: number): number {
    let n = 0;
    for (let k = 0; k < SLOTS; k++) {
      if (this.ids[k] !== 0 && this.at[k] < before) {
        this.ids[k] = 0;
        n++;
      }
    }
    this.size -= n;
    return n;
  }
}

/** The BEP 15 announce packet of one mix entry (connection and transaction ids zero, patched when sent). */
export function packetFor(a: MixAnnounce): Uint8Array {
  return encodeUdpAnnounceRequest({
    connectionId: new Uint8Array(8),
    transactionId: 0,
    infoHash: a.infoHash,
    peerId: a.peerId,
    downloaded: 0,
    left: a.left,
    uploaded: 0,
    event: a.event,
    key: a.peer,
    numwant: a.numwant,
    port: a.port,
  });
}

export async function udpLoad(opts: {
  port: number;
  hashes: Uint8Array[];
  peers: number;
  durationMs: number;
  /** Requests in flight. */
  window: number;
  /** Announce peers 0..peers-1 exactly once each (event started) instead of the mix. */
  fill?: boolean;
  seed?: number;
}): Promise<UdpLoadResult> {
  const sock = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let tid = 1;
  // Requests in flight in typed arrays indexed by transaction id, latencies in a preallocated one, so that the generator itself allocates next to nothing per request: its own garbage
  // collections would pause it and show up as the server's latency.
  const pending = new Pending();
  let cid: Uint8Array | undefined;
  const latencies = new Float64Array(MAX_LATENCIES);
  let measured = 0;
  let done = 0;
  let errors = 0;
  let lost = 0;
  let sample = '';
  let next = 0;
  let stop = false;
  let started = performance.now();
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  const fail = (why: string) => {
    errors++;
    if (!sample) sample = why;
  };

  const connect = () => {
    const t = tid++;
    lost += pending.set(t, performance.now());
    sock.send(encodeUdpConnectRequest(t), opts.port, '127.0.0.1');
  };
  // Packets are built once per ring slot and patched with the connection and transaction ids,
  // so the generator spends its time sending, not encoding.
  const ring = opts.fill ? [] : announceMix(opts.hashes, opts.peers, RING, opts.seed ?? 2).map(packetFor);
  const views = ring.map((p) => new DataView(p.buffer, p.byteOffset));
  let ringAt = 0;
  const send = (at: number) => {
    if (stop || !cid) return;
    let packet: Uint8Array;
    let view: DataView;
    if (opts.fill) {
      if (next >= opts.peers) return;
      const i = next++;
      const a: MixAnnounce = { peer: i, infoHash: opts.hashes[swarmOf(i, opts.peers, opts.hashes.length)], peerId: mixPeerId(i), port: 1025 + (i % 60000), left: i % 3 === 0 ? 0 : 1_000_000, event: 'started', numwant: 50 };
      packet = packetFor(a);
      view = new DataView(packet.buffer, packet.byteOffset);
    } else {
      packet = ring[ringAt];
      view = views[ringAt];
      ringAt = (ringAt + 1) % RING;
    }
    const t = tid++ >>> 0;
    packet.set(cid, 0);
    view.setUint32(12, t);
    lost += pending.set(t, at);
    sock.send(packet, opts.port, '127.0.0.1');
  };
  const begin = () => {
    started = performance.now();
    for (let k = 0; k < opts.window; k++) send(performance.now());
  };
  sock.on('message', (msg) => {
    const b = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const t = b.length >= 8 ? msg.readUInt32BE(4) : -1;
    const at = pending.take(t);
    if (at === undefined) {
      // An answer after its request was given up on is already counted as lost.
      if (!(t > 0 && t < tid)) fail(`answer to no request sent (${b.length} bytes)`);
      return;
    }
    const action = b.length >= 8 ? msg.readUInt32BE(0) : -1;
    if (action === 1 && b.length >= 20 && (b.length - 20) % 6 === 0 && msg.readUInt32BE(8) > 0) {
      done++;
      if (measured < MAX_LATENCIES) latencies[measured++] = performance.now() - at;
    } else if (action === 0 && b.length >= 16) {
      const first = !cid;
      cid = b.slice(8, 16);
      if (first) begin();
      return;
    } else {
      let why = `malformed answer of ${b.length} bytes`;
      try {
        const r = decodeUdpResponse(b);
        if (r.action === 'error') why = `error: ${r.message}`;
      } catch {
        // keep the generic reason
      }
      fail(why);
    }
    if (opts.fill && done + errors + lost >= opts.peers) finish();
    send(performance.now());
  });
  connect();
  const refresh = setInterval(connect, 50_000);
  // Requests unanswered for a second are lost; the window is refilled.
  const sweep = setInterval(() => {
    const now = performance.now();
    const expired = pending.expire(now - LOST_AFTER_MS);
    lost += expired;
    for (let k = pending.size; k < opts.window; k++) send(performance.now());
    if (opts.fill && done + errors + lost >= opts.peers) finish();
  }, 200);
  const timer = setTimeout(finish, opts.fill ? 600_000 : opts.durationMs + 200);
  await finished;
  stop = true;
  const secs = (performance.now() - started) / 1000;
  clearTimeout(timer);
  clearInterval(refresh);
  clearInterval(sweep);
  sock.close();
  const sorted = latencies.subarray(0, measured).sort();
  const q = (p: number) => (measured ? sorted[Math.min(measured - 1, Math.floor(measured * p))] : Number.NaN);
  return { requests: done, perSecond: done / secs, p50Ms: q(0.5), p99Ms: q(0.99), errors, lost, sample };
}
