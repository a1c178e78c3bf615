/**
 * The tracker's UDP front end (BEP 15) over a DatagramSocket. Connection ids cannot be forged:
 * each is the first 8 bytes of HMAC-SHA256(secret, address | port | time window), checked against
 * the current and the previous window, so an id lives 1-2 minutes (BEP 15 says clients keep one
 * for a minute) and the server keeps no per-client state. Garbage, truncated packets and wrong
 * connection ids get an error action (when a transaction id can be read) and are counted.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import { unmapIPv4 } from '../../codecs/tracker/ip.js';
import {
  decodeUdpRequest,
  encodeUdpAnnounceResponse,
  encodeUdpAnnounceResponseOf,
  encodeUdpConnectResponse,
  encodeUdpError,
  encodeUdpScrapeResponse,
  udpTransactionId,
} from '../../codecs/tracker/udp.js';
import type { AnnounceParams } from '../../codecs/tracker/types.js';
import type { AnnounceOutcome, RequestSource, TrackerCore } from '../../engines/tracker-server/core.js';
import type { Clock } from '../../ports/clock.js';
import type { DatagramAddress, DatagramFactory, DatagramSocket } from '../../ports/datagram.js';

/** Length of one connection id time window. */
export const CONNECTION_WINDOW_MS = 60_000;

/**
 * Kernel socket buffers: at the default ~200 KB a burst of a few hundred datagrams arriving while
 * the event loop is busy (a collection, a scrape) overflows and is dropped; 4 MB holds ~4,000.
 */
const SOCKET_BUFFER_BYTES = 4 << 20;

/** Most ids remembered per time window (a cache only: ids are recomputed when missing). */
const ID_CACHE_SIZE = 65_536;

/**
 * Makes and checks stateless connection ids. HMAC is the slow part of a UDP announce, so the id
 * of each (address, port) is cached for its time window; the cache is dropped when the window
 * moves on and never grows past ID_CACHE_SIZE.
 */
export class ConnectionIds {
  private readonly secret: Uint8Array;
  private cacheWindow = -1;
  private current = new Map<string, Uint8Array>();
  private previous = new Map<string, Uint8Array>();

  constructor(
    private readonly clock: Clock,
    secret?: Uint8Array,
  ) {
    this.secret = secret ?? new Uint8Array(randomBytes(32));
  }

  private mac(address: string, port: number, window: number): Uint8Array {
    const h = createHmac('sha256', this.secret);
    h.update(`${address}|${port}|${window}`);
    return new Uint8Array(h.digest().buffer, 0, 8);
  }

  private window(): number {
    const w = Math.floor(this.clock.wallTime() / CONNECTION_WINDOW_MS);
    if (w !== this.cacheWindow) {
      this.previous = w === this.cacheWindow + 1 ? this.current : new Map();
      this.current = new Map();
      this.cacheWindow = w;
    }
    return w;
  }

  private cached(map: Map<string, Uint8Array>, key: string, address: string, port: number, window: number): Uint8Array {
    let id = map.get(key);
    if (!id) {
      id = this.mac(address, port, window);
      if (map.size < ID_CACHE_SIZE) map.set(key, id);
    }
    return id;
  }

  issue(address: string, port: number): Uint8Array {
    const w = this.window();
    return this.cached(this.current, `${address}|${port}`, address, port, w);
  }

  verify(id: Uint8Array, address: string, port: number): boolean {
    const w = this.window();
    const key = `${address}|${port}`;
    return equal8(id, this.cached(this.current, key, address, port, w)) || equal8(id, this.cached(this.previous, key, address, port, w - 1));
  }
}

function equal8(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 8; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export interface UdpTrackerOptions {
  port: number;
  host: string;
  clock: Clock;
  datagrams: DatagramFactory;
  /** Fixed HMAC secret (tests, or several processes behind one address); random by default. */
  secret?: Uint8Array;
}

export interface RunningUdpTracker {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Answers come from Node's shared 8 KB pool: a fresh Uint8Array over 64 bytes costs a malloc and
 * a backing store for the garbage collector to sweep, per datagram.
 */
const pooled = (bytes: number): Uint8Array => Buffer.allocUnsafe(bytes);

/**
 * BEP 15 has no room for a completed count: interval, leechers, seeders, compact peers (written
 * from what the store keeps ready, or from each peer's textual address: see CompactSource).
 */
function announceResponse(transactionId: number, out: AnnounceOutcome, ip: string): Uint8Array {
  const v6 = ip.includes(':');
  // The store's compact lists when it has them (an announce over UDP asks for one family).
  if (out.peers4) return encodeUdpAnnounceResponse(transactionId, out.interval, out.incomplete, out.complete, (v6 ? out.peers6 : out.peers4) ?? EMPTY, pooled);
  return encodeUdpAnnounceResponseOf(transactionId, out.interval, out.incomplete, out.complete, out.peers, v6 ? 18 : 6, pooled);
}

const EMPTY = new Uint8Array(0);

export async function startUdpTracker(core: TrackerCore, options: UdpTrackerOptions): Promise<RunningUdpTracker> {
  const socket: DatagramSocket = await options.datagrams.bind({ port: options.port, address: options.host, bufferBytes: SOCKET_BUFFER_BYTES });
  const ids = new ConnectionIds(options.clock, options.secret);

  const sync = core.answersSynchronously;
  const reply = (data: Uint8Array, to: DatagramAddress) => socket.send(data, to.port, to.address);
  const fail = (err: unknown, packet: Uint8Array, from: DatagramAddress) => {
    const code = err instanceof TrackerError ? err.code : 'BT_ERR_INTERNAL';
    core.reject(code);
    const tid = udpTransactionId(packet);
    if (tid !== undefined) reply(encodeUdpError(tid, err instanceof TrackerError ? err.reason : 'internal error'), from);
  };

  socket.onMessage((packet, from) => {
    let req;
    try {
      req = decodeUdpRequest(packet);
    } catch (err) {
      fail(err, packet, from);
      return;
    }
    const ip = unmapIPv4(from.address);
    if (req.action === 'connect') {
      reply(encodeUdpConnectResponse(req.transactionId, ids.issue(ip, from.port)), from);
      return;
    }
    if (!ids.verify(req.connectionId, ip, from.port)) {
      fail(new TrackerError(E.BadConnectionId, 'unknown or expired connection id'), packet, from);
      return;
    }
    if (req.action === 'scrape') {
      const tid = req.transactionId;
      core.scrape(req.infoHashes, 'udp').then(
        (entries) => reply(encodeUdpScrapeResponse(tid, entries), from),
        (err: unknown) => fail(err, packet, from),
      );
      return;
    }
    const a = req;
    const params: AnnounceParams = {
      infoHash: a.infoHash,
      peerId: a.peerId,
      port: a.port,
      uploaded: a.uploaded,
      downloaded: a.downloaded,
      left: a.left,
      event: a.event,
      numwant: a.numwant,
      compact: true,
      noPeerId: true,
      ip: a.ip,
      key: String(a.key),
      trackerId: undefined,
    };
    const source: RequestSource = { transport: 'udp', ip };
    if (sync) {
      // Stores in this process answer at once: no promise, no closure per announce.
      let out: AnnounceOutcome;
      try {
        out = core.announceSync(params, source)!;
      } catch (err) {
        fail(err, packet, from);
        return;
      }
      reply(announceResponse(a.transactionId, out, ip), from);
      return;
    }
    core.announce(params, source).then(
      (out) => reply(announceResponse(a.transactionId, out, ip), from),
      (err: unknown) => fail(err, packet, from),
    );
  });
  socket.onError(() => core.reject('BT_ERR_TRACKER_UDP_SOCKET'));
  const addr = socket.address();
  return { port: addr.port, address: addr.address, close: () => socket.close() };
}
