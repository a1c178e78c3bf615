/**
 * Peer exchange (BEP 11, `ut_pex`), one extension per wire of a public torrent (BEP 27: never for
 * private ones; the session does not register it there).
 *
 * Sending: shortly after the peer's extension handshake and then at most once a minute (BEP 11),
 * the peers we are connected to that can be reached (outgoing connections, and incoming ones whose
 * BEP 10 `p` gave their listen port) minus the recipient, as a diff against what this recipient
 * was last told: `added` with flags (0x02 seed, 0x10 reachable) and `dropped`, each at most 50
 * entries except in the first message (at most 100).
 *
 * Receiving: at most 50 added peers of one message (100 of the first) go to the swarm (source 'pex'); messages that
 * come faster than every 30 s are ignored (BEP 11 asks for one a minute); malformed ones or ones
 * over the codec's limits drop the peer (the wire treats the thrown error as a violation).
 */
import { decodePexMessage, encodePexMessage, parseIPBytes, PexFlags, type PexPeer, UT_PEX } from '../../codecs/wire/index.js';
import type { PeerSource } from '../../policies/peer-list.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { Wire, WireExtension } from '../wire/index.js';
import type { PeerSession } from './peer.js';

/** BEP 11: at most one message a minute. */
export const PEX_INTERVAL_MS = 60_000;
/** BEP 11: "should not exceed 50 entries" (added or dropped) except in the first message. */
export const PEX_MAX_ENTRIES = 50;
export const PEX_MAX_FIRST_ENTRIES = 100;
/** Incoming messages closer together than this are ignored. */
const MIN_INCOMING_GAP_MS = 30_000;
/** Delay of our first message after the peer's extension handshake. */
const FIRST_MESSAGE_DELAY_MS = 1_000;

export interface PexHost {
  /** Connected peers of the torrent. */
  readonly connectedPeers: ReadonlySet<PeerSession>;
  addPeer(host: string, port: number, source: PeerSource): void;
}

export interface PexOptions {
  clock: Clock;
  intervalMs?: number;
}

/** The address a connected peer can be reached on, or undefined. */
export function reachableAddress(p: PeerSession): PexPeer | undefined {
  const port = p.direction === 'outgoing' ? p.port : p.wire.remoteExtended?.p;
  if (port === undefined || port < 1 || port > 65535) return undefined;
  const bytes = parseIPBytes(p.host);
  if (!bytes || (bytes.length !== 4 && bytes.length !== 16)) return undefined;
  const flags = (p.isSeed ? PexFlags.Seed : 0) | (p.direction === 'outgoing' ? PexFlags.Reachable : 0);
  return { host: p.host, port, flags };
}

const keyOf = (p: { host: string; port: number }) => `${p.host}|${p.port}`;

export class UtPexExtension implements WireExtension {
  readonly name = UT_PEX;
  private timer: Cancel | undefined;
  private firstTimer: Cancel | undefined;
  /** What this peer was told is connected. */
  private told = new Map<string, PexPeer>();
  private sentFirst = false;
  private lastIncoming = Number.NEGATIVE_INFINITY;
  private messages = 0;
  /** Messages sent and peers received (for tests and stats). */
  sent = 0;
  received = 0;

  constructor(
    private readonly wire: Wire,
    private readonly self: PeerSession,
    private readonly host: PexHost,
    private readonly options: PexOptions,
  ) {}

  onExtendedHandshake(_h: unknown, supported: boolean): void {
    if (!supported || this.timer) return;
    const { clock } = this.options;
    this.firstTimer = clock.setTimeout(() => this.send(), FIRST_MESSAGE_DELAY_MS);
    this.timer = clock.setInterval(() => this.send(), this.options.intervalMs ?? PEX_INTERVAL_MS);
  }

  onMessage(payload: Uint8Array): void {
    const m = decodePexMessage(payload);
    const now = this.options.clock.now();
    if (now - this.lastIncoming < Math.min(MIN_INCOMING_GAP_MS, (this.options.intervalMs ?? PEX_INTERVAL_MS) / 2)) return;
    this.lastIncoming = now;
    const cap = this.messages++ === 0 ? PEX_MAX_FIRST_ENTRIES : PEX_MAX_ENTRIES;
    for (const p of m.added.slice(0, cap)) {
      this.received++;
      this.host.addPeer(p.host, p.port, 'pex');
    }
  }

  /** Sends the diff since the last message (nothing when nothing changed, except the first). */
  send(): void {
    const current = new Map<string, PexPeer>();
    for (const p of this.host.connectedPeers) {
      if (p === this.self) continue;
      const a = reachableAddress(p);
      if (a) current.set(keyOf(a), a);
    }
    const max = this.sentFirst ? PEX_MAX_ENTRIES : PEX_MAX_FIRST_ENTRIES;
    const added = [...current].filter(([k]) => !this.told.has(k)).slice(0, max);
    const dropped = [...this.told].filter(([k]) => !current.has(k)).slice(0, max);
    if (added.length === 0 && dropped.length === 0) return;
    for (const [k, p] of added) this.told.set(k, p);
    for (const [k] of dropped) this.told.delete(k);
    this.sentFirst = true;
    if (this.wire.sendExtended(this.name, encodePexMessage({ added: added.map(([, p]) => p), dropped: dropped.map(([, p]) => ({ host: p.host, port: p.port })) }))) {
      this.sent++;
    }
  }

  onClose(): void {
    this.timer?.();
    this.firstTimer?.();
  }
}
