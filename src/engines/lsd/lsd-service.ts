/**
 * Local Service Discovery (BEP 14) over a DatagramSocket that receives the multicast group
 * (adapters/node/multicast.ts binds one; the simulated network stands in for it in tests).
 * Owns: which info hashes we announce, when (each every 5 minutes, at most one packet a minute,
 * round-robin beyond what fits in one packet), and turning announces heard from others into
 * `peer` events for the info hashes we take part in (our own are recognised by their cookie).
 */
import { decodeLsdAnnounce, encodeLsdAnnounces, LSD_IPV4_GROUP, LSD_PORT, lsdHost } from '../../codecs/lsd/lsd.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { DatagramAddress, DatagramSocket } from '../../ports/datagram.js';
import type { Rng } from '../../ports/rng.js';
import { toHex } from '../../util/bytes.js';
import { TypedEmitter } from '../dht/events.js';

/** BEP 14: announce each torrent every 5 minutes ... */
export const LSD_ANNOUNCE_INTERVAL_MS = 5 * 60_000;
/** ... and send no more than one announce per minute. */
export const LSD_MIN_SEND_INTERVAL_MS = 60_000;
/** Most (info hash, peer) pairs remembered to suppress repeats within a send interval. */
const MAX_RECENT = 4096;

export interface LsdEvents {
  /** A local peer announced an info hash we take part in. */
  peer(infoHash: Uint8Array, peer: { address: string; port: number }): void;
  /** An undecodable announce or a send failure; the service goes on. */
  warning(err: Error): void;
}

export interface LsdOptions {
  /** Our BitTorrent listening port, announced in the Port header. */
  port: number;
  group?: string;
  groupPort?: number;
  announceIntervalMs?: number;
  minSendIntervalMs?: number;
}

export class LsdService extends TypedEmitter<LsdEvents> {
  private readonly hashes = new Map<string, { infoHash: Uint8Array; lastSent: number }>();
  private readonly recent = new Set<string>();
  private readonly cookie: string;
  private readonly group: string;
  private readonly groupPort: number;
  private readonly interval: number;
  private readonly minSend: number;
  private lastSend = -Infinity;
  private cancelTick: Cancel = () => {};
  private cancelSoon: Cancel | undefined;
  private running = false;

  constructor(
    private readonly deps: { socket: DatagramSocket; clock: Clock; rng: Rng },
    private readonly options: LsdOptions,
  ) {
    super();
    this.cookie = toHex(deps.rng.bytes(8));
    this.group = options.group ?? LSD_IPV4_GROUP;
    this.groupPort = options.groupPort ?? LSD_PORT;
    this.interval = options.announceIntervalMs ?? LSD_ANNOUNCE_INTERVAL_MS;
    this.minSend = options.minSendIntervalMs ?? LSD_MIN_SEND_INTERVAL_MS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.socket.onMessage((data, from) => this.onMessage(data, from));
    this.deps.socket.onError((err) => this.emit('warning', err));
    this.cancelTick = this.deps.clock.setInterval(() => this.tick(), this.minSend);
  }

  /** Starts announcing `infoHash` (the first announce goes out as soon as the rate allows). */
  add(infoHash: Uint8Array): void {
    const key = toHex(infoHash);
    if (this.hashes.has(key)) return;
    this.hashes.set(key, { infoHash: infoHash.slice(), lastSent: -Infinity });
    if (!this.running || this.cancelSoon) return;
    const wait = Math.max(0, this.lastSend + this.minSend - this.deps.clock.now());
    this.cancelSoon = this.deps.clock.setTimeout(() => {
      this.cancelSoon = undefined;
      this.tick();
    }, wait);
  }

  remove(infoHash: Uint8Array): void {
    this.hashes.delete(toHex(infoHash));
  }

  private tick(): void {
    const now = this.deps.clock.now();
    this.recent.clear();
    if (now - this.lastSend < this.minSend) return;
    const due = [...this.hashes.values()].filter((h) => now - h.lastSent >= this.interval).sort((a, b) => a.lastSent - b.lastSent);
    if (due.length === 0) return;
    // One packet per interval: the longest-waiting hashes that fit; the rest wait their turn.
    const [packet] = encodeLsdAnnounces({ host: lsdHost(this.group, this.groupPort), port: this.options.port, infoHashes: due.map((h) => h.infoHash), cookie: this.cookie });
    const sent = decodeLsdAnnounce(packet).infoHashes.length;
    for (const h of due.slice(0, sent)) h.lastSent = now;
    this.lastSend = now;
    this.deps.socket.send(packet, this.groupPort, this.group);
  }

  private onMessage(data: Uint8Array, from: DatagramAddress): void {
    let msg;
    try {
      msg = decodeLsdAnnounce(data);
    } catch (err) {
      this.emit('warning', err as Error);
      return;
    }
    if (msg.cookie === this.cookie) return;
    for (const ih of msg.infoHashes) {
      const key = toHex(ih);
      if (!this.hashes.has(key)) continue;
      // BEP 14: the peer's address is the UDP source address; the port is the announced one.
      const seen = `${key}|${from.address}|${msg.port}`;
      if (this.recent.has(seen)) continue;
      if (this.recent.size < MAX_RECENT) this.recent.add(seen);
      this.emit('peer', ih, { address: from.address, port: msg.port });
    }
  }

  close(): void {
    this.running = false;
    this.cancelTick();
    this.cancelSoon?.();
    this.cancelSoon = undefined;
  }
}
