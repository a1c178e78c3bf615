/**
 * A bounded UDP tracker load generator (BEP 15): `window` requests in flight on one socket, each
 * answer triggers the next, for `durationMs`; connection ids are fetched once per socket and
 * refreshed every 50 s. Announces pick peer i at random from `peers`, in swarm i % hashes.length,
 * so the tracker's state stays bounded however long it runs. Also used to fill a tracker with a
 * fixed set of peers (`fill`).
 */
import { createSocket } from 'node:dgram';
import { decodeUdpResponse, encodeUdpAnnounceRequest, encodeUdpConnectRequest } from '../../src/codecs/tracker/udp.js';

export interface UdpLoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function peerId(i: number): Uint8Array {
  return new TextEncoder().encode(`-BM0001-${String(i).padStart(12, '0')}`);
}

export async function udpLoad(opts: {
  port: number;
  hashes: Uint8Array[];
  peers: number;
  durationMs: number;
  window: number;
  /** Announce peers 0..peers-1 exactly once each instead of at random for a duration. */
  fill?: boolean;
}): Promise<UdpLoadResult> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let tid = 1;
  const pending = new Map<number, number>();
  let cid: Uint8Array | undefined;
  const latencies: number[] = [];
  let done = 0;
  let errors = 0;
  let next = 0;
  let stop = false;
  const started = performance.now();
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));

  const connect = () => {
    const t = tid++;
    pending.set(t, performance.now());
    sock.send(encodeUdpConnectRequest(t), opts.port, '127.0.0.1');
  };
  // Packets are built once per peer slot in a ring and patched with the connection and
  // transaction ids, so the generator spends its time sending, not encoding.
  const RING = 8192;
  const ring: Uint8Array[] = [];
  let ringAt = 0;
  const packetFor = (i: number) =>
    encodeUdpAnnounceRequest({
      connectionId: new Uint8Array(8),
      transactionId: 0,
      infoHash: opts.hashes[i % opts.hashes.length],
      peerId: peerId(i),
      downloaded: 0,
      left: i % 3 === 0 ? 0 : 1000,
      uploaded: 0,
      event: undefined,
      key: i,
      numwant: 50,
      port: 1025 + (i % 60000),
    });
  if (!opts.fill) for (let j = 0; j < RING; j++) ring.push(packetFor(Math.floor(Math.random() * opts.peers)));
  const send = () => {
    if (stop || !cid) return;
    let packet: Uint8Array;
    if (opts.fill) {
      if (next >= opts.peers) return;
      packet = packetFor(next++);
    } else {
      packet = ring[ringAt];
      ringAt = (ringAt + 1) % RING;
    }
    const t = tid++ >>> 0;
    packet.set(cid, 0);
    new DataView(packet.buffer, packet.byteOffset).setUint32(12, t);
    pending.set(t, performance.now());
    sock.send(packet, opts.port, '127.0.0.1');
  };
  sock.on('message', (msg) => {
    let r;
    try {
      r = decodeUdpResponse(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch {
      errors++;
      return;
    }
    const at = pending.get(r.transactionId);
    if (at === undefined) return;
    pending.delete(r.transactionId);
    if (r.action === 'connect') {
      const first = !cid;
      cid = r.connectionId;
      if (first) for (let k = 0; k < opts.window; k++) send();
      return;
    }
    if (r.action === 'error') errors++;
    else {
      done++;
      if (latencies.length < 2_000_000) latencies.push(performance.now() - at);
    }
    if (opts.fill && done + errors >= opts.peers) finish();
    send();
  });
  connect();
  const refresh = setInterval(connect, 50_000);
  // Lost datagrams would shrink the window: top it up every 200 ms.
  const topUp = setInterval(() => {
    const now = performance.now();
    for (const [t, at] of pending) if (now - at > 1000) pending.delete(t);
    for (let k = pending.size; k < opts.window; k++) send();
  }, 200);
  const timer = setTimeout(finish, opts.fill ? 600_000 : opts.durationMs);
  await finished;
  stop = true;
  clearTimeout(timer);
  clearInterval(refresh);
  clearInterval(topUp);
  const secs = (performance.now() - started) / 1000;
  sock.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : Number.NaN);
  return { requests: done, perSecond: done / secs, p50Ms: q(0.5), p99Ms: q(0.99), errors };
}
